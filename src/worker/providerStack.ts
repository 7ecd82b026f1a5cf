/**
 * Which providers a run uses. The offline shapes world by default; a real
 * generator (Replicate, OpenAI) with local CLIP when the run asks for one —
 * loaded lazily, so a shapes-only worker never loads transformers.js.
 */
import { loadRuntimeConfig } from '../config/runtime.js';
import type { Run } from '../db/schema.js';
import { createShapesStack } from '../engine/providers/shapes/index.js';
import type { ProviderStack } from '../engine/providers/types.js';
import type { RunSettings } from '../jobs/runSettings.js';

export type ProviderStackFactory = (run: Run, settings: RunSettings) => ProviderStack | Promise<ProviderStack>;

export function defaultProviderStackFactory(env: NodeJS.ProcessEnv = process.env): ProviderStackFactory {
  return async (_run, settings) => {
    if (settings.generator === 'shapes') return createShapesStack();
    const runtime = loadRuntimeConfig(env);
    const { createProviderStack } = await import('../engine/providers/stack.js');
    return createProviderStack({
      generator: settings.generator,
      model: settings.model,
      modelsDir: runtime.modelsDir,
      offline: runtime.offline,
      env,
    });
  };
}
