/** `imageprompt models pull <model>`: download a local model (CLIP or captioner) into the models folder, once, with network access. */
import { loadRuntimeConfig } from '../../config/runtime.js';
import { pullModel } from '../../engine/providers/transformers/index.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../optimize/command.js';

export async function runModelsCommand(argv: string[], io: CliIo): Promise<number> {
  const [verb, model] = argv;
  if (verb !== 'pull' || !model) throw new UsageError('Usage: imageprompt models pull <model>, e.g. imageprompt models pull Xenova/clip-vit-base-patch32');
  const runtime = loadRuntimeConfig(io.env);
  if (runtime.offline) throw new UsageError('IMAGEPROMPT_OFFLINE=1 forbids downloads; unset it to pull a model.');
  io.stderr.write(`Downloading ${model} into ${runtime.modelsDir}…\n`);
  const pulled = await pullModel(model, runtime.modelsDir);
  io.stdout.write(`${pulled.model} (${pulled.kind}) is ready in ${pulled.modelDir}: ${pulled.files.length} files.\n`);
  return 0;
}
