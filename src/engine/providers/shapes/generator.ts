/**
 * The shapes world's image model: draws the basic shapes and colours a prompt
 * names (the paper's own domain, a 3-D red sphere being its target) into PNG
 * bytes. Deterministic in (prompt, seed, size); free; no network.
 */
import { ProviderError } from '../errors.js';
import type { GeneratedImage, GenerationRequest, ImageGenerator } from '../types.js';
import { renderPrompt } from './render.js';

export const SHAPES_PROVIDER_ID = 'shapes';
export const SHAPES_MODEL_ID = 'shapes-world@1';
/** Largest side the generator accepts; real APIs cap sizes too. */
export const MAX_SHAPES_IMAGE_SIDE = 2048;
export const MIN_SHAPES_IMAGE_SIDE = 16;

export class ShapesGenerator implements ImageGenerator {
  readonly id = SHAPES_PROVIDER_ID;
  readonly modelId = SHAPES_MODEL_ID;
  readonly takesSeed = true;

  pricePerImage(_width: number, _height: number): number {
    return 0;
  }

  async generate(request: GenerationRequest): Promise<GeneratedImage> {
    request.signal?.throwIfAborted();
    const { width, height } = request;
    for (const [name, side] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(side) || side < MIN_SHAPES_IMAGE_SIDE || side > MAX_SHAPES_IMAGE_SIDE) {
        throw new ProviderError(
          `The shapes world draws images from ${MIN_SHAPES_IMAGE_SIDE} to ${MAX_SHAPES_IMAGE_SIDE} pixels a side; ${name} was ${side}.`,
          SHAPES_PROVIDER_ID,
        );
      }
    }
    const canvas = renderPrompt(String(request.prompt ?? ''), request.seed, width, height);
    // Async encoding runs on libuv's pool, so concurrent generations use both cores.
    const png = await canvas.encode('png');
    request.signal?.throwIfAborted();
    return { bytes: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), modelId: SHAPES_MODEL_ID, costUsd: 0 };
  }
}
