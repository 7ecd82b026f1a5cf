/** Chooses the providers for a run from the flags and the environment. */
import { createShapesStack } from '../../engine/providers/shapes/index.js';
import type { ProviderStack } from '../../engine/providers/types.js';
import { UsageError } from '../errors.js';
import type { OptimizeArgs } from './args.js';

export async function createStack(args: Pick<OptimizeArgs, 'generator' | 'model'>, _env: NodeJS.ProcessEnv): Promise<ProviderStack> {
  switch (args.generator) {
    case 'shapes':
      return createShapesStack();
    default:
      throw new UsageError(`--generator ${args.generator} is not available yet; use --generator shapes.`);
  }
}
