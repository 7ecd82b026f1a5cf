/** Axis ticks at round numbers (Heckbert's "nice numbers"). */

function niceNumber(value: number, round: boolean): number {
  const exponent = Math.floor(Math.log10(value));
  const fraction = value / 10 ** exponent;
  let nice: number;
  if (round) nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * 10 ** exponent;
}

export interface Ticks {
  /** Domain covering the data, widened to the outer ticks. */
  min: number;
  max: number;
  step: number;
  values: number[];
  /** Decimals needed to print the ticks distinctly. */
  decimals: number;
}

/** About `count` round ticks covering [min, max]; a zero-width range is widened first. */
export function niceTicks(min: number, max: number, count = 5, integer = false): Ticks {
  let lo = min;
  let hi = max;
  if (!(hi > lo)) {
    const pad = integer ? 1 : Math.max(Math.abs(lo) * 0.05, 0.05);
    lo -= pad;
    hi += pad;
  }
  let step = niceNumber(niceNumber(hi - lo, false) / Math.max(1, count - 1), true);
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++) values.push(Number((first + i * step).toPrecision(12)));
  const decimals = integer ? 0 : Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { min: first, max: last, step, values, decimals };
}
