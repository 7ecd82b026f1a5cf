/** Crossing between our bytes/arrays and the library's `RawImage`/`Tensor`. */
import { RawImage, Tensor } from '@huggingface/transformers';
import { oneLine } from '../../images/errors.js';
import { ProviderError } from '../errors.js';

/**
 * Decodes encoded images (PNG, JPEG, WebP, …) with the library's own decoder
 * (sharp, honouring EXIF orientation), as its `load_image` would.
 * `firstIndex` numbers the images in error messages.
 */
export async function decodeImages(images: readonly Uint8Array[], provider: string, firstIndex = 0): Promise<RawImage[]> {
  return Promise.all(
    images.map(async (bytes, i) => {
      try {
        return await RawImage.fromBlob(new Blob([new Uint8Array(bytes)]));
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new ProviderError(`${provider}: image ${firstIndex + i} could not be decoded: ${oneLine(detail)}`, provider, false, {
          cause: error,
        });
      }
    }),
  );
}

/** Rows of the 2-D float tensor `output[name]` (shape [rows, width]), copied out of the library's buffer. */
export function tensorRows(output: unknown, name: string, provider: string): Float32Array[] {
  const tensor = typeof output === 'object' && output !== null && name in output ? (output as Record<string, unknown>)[name] : undefined;
  if (!(tensor instanceof Tensor) || tensor.dims.length !== 2) {
    throw new ProviderError(`${provider}: the model did not return a 2-D \`${name}\` output.`, provider);
  }
  const [rows = 0, width = 0] = tensor.dims;
  const floats = tensor.type === 'float32' ? tensor : tensor.to('float32');
  const data = floats.data;
  if (!(data instanceof Float32Array)) throw new ProviderError(`${provider}: \`${name}\` is not float data.`, provider);
  return Array.from({ length: rows }, (_, row) => data.slice(row * width, (row + 1) * width));
}
