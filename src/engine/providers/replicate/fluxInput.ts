import type { GenerationRequest } from '../types.js';

/**
 * black-forest-labs/flux-schnell takes no width/height: it takes an
 * `aspect_ratio` from a fixed list and `megapixels` of "1" or "0.25". The
 * requested size maps to the closest ratio (in log space) and the closer pixel
 * budget; the image that comes back has the model's own size for that ratio.
 */
export const FLUX_ASPECT_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;
export type FluxAspectRatio = (typeof FLUX_ASPECT_RATIOS)[number];

function ratioValue(ratio: FluxAspectRatio): number {
  const [w, h] = ratio.split(':').map(Number);
  return (w ?? 1) / (h ?? 1);
}

export function nearestFluxAspectRatio(width: number, height: number): FluxAspectRatio {
  const wanted = Math.log(width / height);
  let best: FluxAspectRatio = '1:1';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of FLUX_ASPECT_RATIOS) {
    const distance = Math.abs(Math.log(ratioValue(ratio)) - wanted);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}

/** 0.5 MP is the geometric middle of the two budgets. */
export function fluxMegapixels(width: number, height: number): '1' | '0.25' {
  return width * height <= 500_000 ? '0.25' : '1';
}

/**
 * The documented flux-schnell inputs. `go_fast` (an fp8 build) is off by
 * default because the model page warns its outputs are not deterministic even
 * with a seed, which would make `takesSeed` a lie.
 */
export function fluxSchnellInput(request: GenerationRequest, goFast: boolean): Record<string, unknown> {
  return {
    prompt: request.prompt,
    seed: request.seed >>> 0,
    aspect_ratio: nearestFluxAspectRatio(request.width, request.height),
    megapixels: fluxMegapixels(request.width, request.height),
    num_outputs: 1,
    output_format: 'png',
    go_fast: goFast,
  };
}
