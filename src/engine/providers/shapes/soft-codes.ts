/** Soft codes for scalars: near values share bins, so cosine similarity grades smoothly. */

export const RBF_CENTRES = 8;

/** 0 below `lo`, 1 above `hi`, linear between. */
export const smooth = (x: number, lo: number, hi: number) => (x <= lo ? 0 : x >= hi ? 1 : (x - lo) / (hi - lo));

/** Writes the unit-length Gaussian soft-binning of `x` over [lo, hi] into `out[at … at + RBF_CENTRES)`. */
export function rbf(out: Float32Array, at: number, x: number, lo: number, hi: number): void {
  const step = (hi - lo) / (RBF_CENTRES - 1);
  const sigma = step * 0.8;
  const clamped = Math.min(hi + step, Math.max(lo - step, x));
  let norm = 0;
  for (let i = 0; i < RBF_CENTRES; i++) {
    const v = Math.exp(-((clamped - (lo + i * step)) ** 2) / (2 * sigma * sigma));
    out[at + i] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < RBF_CENTRES; i++) out[at + i] = out[at + i]! / norm;
}
