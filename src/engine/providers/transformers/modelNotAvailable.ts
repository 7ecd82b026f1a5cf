import path from 'node:path';
import { ProviderError } from '../errors.js';

/**
 * A local model cannot be used because files are missing from its folder and
 * we may not (offline) or could not download them. The message is one line:
 * which file, where it was expected, and the two ways to get it.
 */
export class ModelNotAvailableError extends ProviderError {
  /** Model folder the files were expected in: `<cacheDir>/<model>/`. */
  readonly modelDir: string;

  constructor(
    provider: string,
    readonly model: string,
    readonly cacheDir: string,
    /** Paths relative to the model folder, e.g. `onnx/vision_model.onnx`; never empty. */
    readonly missingFiles: readonly string[],
    options?: { cause?: unknown },
  ) {
    const modelDir = modelDirectory(cacheDir, model);
    const files = missingFiles.join(', ');
    super(
      `Model ${model} is not available offline: ${files} ${missingFiles.length === 1 ? 'is' : 'are'} missing from ${modelDir}${path.sep}. ` +
        `Download the model once with network access: \`imageprompt models pull ${model}\`, or copy it into ${modelDir}${path.sep}.`,
      provider,
      false,
      options,
    );
    this.name = 'ModelNotAvailableError';
    this.modelDir = modelDir;
  }

  /** The first missing file, relative to the model folder. */
  get missingFile(): string {
    return this.missingFiles[0] ?? '';
  }
}

/** Where a model's files live: the Hub id's segments under the cache directory, as the library stores downloads. */
export function modelDirectory(cacheDir: string, model: string): string {
  return path.join(cacheDir, ...model.split('/'));
}
