import { BudgetExceededError } from '../errors.js';
import type { GeneratedImage, GenerationRequest, ImageGenerator } from '../types.js';
import { ProviderTimeoutError } from './failures.js';

export interface SpendingLimits {
  /** Most images a run may generate (unset: no limit). */
  maxImages?: number;
  /** Most US dollars a run may spend on images (unset: no limit). */
  maxCostUsd?: number;
}

export interface SpendingSnapshot {
  images: number;
  costUsd: number;
  /** Calls in flight, counted against the limits until they finish. */
  pendingImages: number;
  pendingCostUsd: number;
}

/** A claim on the budget for one call in flight: commit what it cost, or release it. */
export interface BudgetReservation {
  commit(costUsd: number): void;
  release(): void;
}

/**
 * Stops a run before it spends more than allowed. Every call first reserves
 * its known price (so concurrent calls cannot overshoot together), then
 * commits the real cost on success or releases the claim on failure.
 */
export class SpendingGuard {
  private images = 0;
  private costUsd = 0;
  private pendingImages = 0;
  private pendingCostUsd = 0;

  /** `spent`: what earlier attempts of the same run already used (a resumed run keeps its budget). */
  constructor(
    readonly limits: SpendingLimits,
    spent: { images: number; costUsd: number } = { images: 0, costUsd: 0 },
  ) {
    this.images = spent.images;
    this.costUsd = spent.costUsd;
    for (const [name, value] of Object.entries(limits)) {
      if (value !== undefined && !(value >= 0)) throw new RangeError(`${name} must be >= 0, got ${value}`);
    }
  }

  snapshot(): SpendingSnapshot {
    return { images: this.images, costUsd: this.costUsd, pendingImages: this.pendingImages, pendingCostUsd: this.pendingCostUsd };
  }

  /** Throws `BudgetExceededError` if one more image at `priceUsd` would break a limit. */
  check(priceUsd: number): void {
    const { maxImages, maxCostUsd } = this.limits;
    const images = this.images + this.pendingImages;
    if (maxImages !== undefined && images + 1 > maxImages) throw new BudgetExceededError('images', images, maxImages);
    const cost = this.costUsd + this.pendingCostUsd;
    // A tolerance of a micro-dollar keeps float sums like 0.1 + 0.2 from refusing an exact budget.
    if (maxCostUsd !== undefined && cost + priceUsd > maxCostUsd + 1e-9) throw new BudgetExceededError('cost', cost, maxCostUsd);
  }

  reserve(priceUsd: number): BudgetReservation {
    this.check(priceUsd);
    this.pendingImages += 1;
    this.pendingCostUsd += priceUsd;
    let settled = false;
    const settle = () => {
      if (settled) throw new Error('Budget reservation already settled.');
      settled = true;
      this.pendingImages -= 1;
      this.pendingCostUsd -= priceUsd;
    };
    return {
      commit: (costUsd: number) => {
        settle();
        this.images += 1;
        this.costUsd += costUsd;
      },
      release: settle,
    };
  }
}

/**
 * The same generator, but every call is checked against the guard before any
 * request is made and charged after it succeeds. A timed-out call is charged
 * too: the provider may have finished (and billed) it after we stopped waiting.
 */
export function guardedGenerator(generator: ImageGenerator, guard: SpendingGuard): ImageGenerator {
  return {
    id: generator.id,
    modelId: generator.modelId,
    takesSeed: generator.takesSeed,
    pricePerImage: (width, height) => generator.pricePerImage(width, height),
    async generate(request: GenerationRequest): Promise<GeneratedImage> {
      const price = generator.pricePerImage(request.width, request.height);
      const reservation = guard.reserve(price);
      try {
        const image = await generator.generate(request);
        reservation.commit(image.costUsd);
        return image;
      } catch (error) {
        if (error instanceof ProviderTimeoutError) reservation.commit(price);
        else reservation.release();
        throw error;
      }
    },
  };
}
