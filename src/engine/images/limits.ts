/** Bounds on a target image, checked before it is decoded wherever the header allows. */
export interface ImageLimits {
  /** Longest side, in pixels, of the normalised image; larger images are downscaled to fit. */
  maxSide: number;
  /** Largest accepted file, in bytes. */
  maxBytes: number;
  /** Largest accepted pixel count (width × height) of the original; guards against decompression bombs. */
  maxPixels: number;
  /** Shortest accepted side, in pixels; smaller images carry too little to learn a prompt from. */
  minSide: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxSide: 1024,
  maxBytes: 50 * 1024 * 1024,
  maxPixels: 100_000_000,
  minSide: 16,
};

/** Defaults with overrides applied; a nonsensical limit is a programming error, hence `RangeError`. */
export function resolveImageLimits(overrides: Partial<ImageLimits> = {}): ImageLimits {
  const limits: ImageLimits = { ...DEFAULT_IMAGE_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof ImageLimits, number | undefined][]) {
    if (value !== undefined) limits[key] = value;
  }
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`Image limit ${key} must be a positive whole number (got ${value}).`);
  }
  if (limits.minSide > limits.maxSide) {
    throw new RangeError(`Image limit minSide (${limits.minSide}) cannot exceed maxSide (${limits.maxSide}).`);
  }
  return limits;
}
