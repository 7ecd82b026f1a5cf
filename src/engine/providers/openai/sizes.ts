import type { OpenAIImageModel } from '../http/prices.js';

/** The sizes each Images API model accepts (anything else is a 400). */
export const OPENAI_IMAGE_SIZES = {
  'dall-e-2': ['256x256', '512x512', '1024x1024'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
  'gpt-image-1': ['1024x1024', '1536x1024', '1024x1536'],
} as const satisfies Record<OpenAIImageModel, readonly string[]>;

export type OpenAIImageSize<M extends OpenAIImageModel = OpenAIImageModel> = (typeof OPENAI_IMAGE_SIZES)[M][number];

/** Longest prompt each model accepts, in characters. */
export const OPENAI_PROMPT_LIMITS: Record<OpenAIImageModel, number> = {
  'dall-e-2': 1000,
  'dall-e-3': 4000,
  'gpt-image-1': 32000,
};

function parseSize(size: string): [number, number] {
  const [w, h] = size.split('x').map(Number);
  return [w ?? 0, h ?? 0];
}

/**
 * The supported size closest to the request: first by aspect ratio, then by
 * pixel count (both compared in log space). A 512×512 request on dall-e-3
 * gets 1024×1024; 768×512 gets 1792×1024; 300×300 on dall-e-2 gets 256×256.
 */
export function nearestOpenAISize<M extends OpenAIImageModel>(model: M, width: number, height: number): OpenAIImageSize<M> {
  const sizes: readonly OpenAIImageSize<M>[] = OPENAI_IMAGE_SIZES[model];
  const wantedRatio = Math.log(width / height);
  const wantedArea = Math.log(width * height);
  let best = sizes[0] as OpenAIImageSize<M>;
  let bestScore: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (const size of sizes) {
    const [w, h] = parseSize(size);
    const score: [number, number] = [Math.abs(Math.log(w / h) - wantedRatio), Math.abs(Math.log(w * h) - wantedArea)];
    const ratioTie = Math.abs(score[0] - bestScore[0]) < 1e-9;
    if (score[0] < bestScore[0] - 1e-9 || (ratioTie && score[1] < bestScore[1])) {
      best = size;
      bestScore = score;
    }
  }
  return best;
}
