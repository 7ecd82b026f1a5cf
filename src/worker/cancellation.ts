/**
 * Stops a run soon after a cancel request, at almost no cost. The cancel flag
 * is read for free with every batch of writes (a few times a second while the
 * run records events); before an image, if the flag has not been seen for
 * `checkEveryMs`, it is read explicitly (one primary-key lookup, shared by
 * images drawn at the same moment); and a timer covers phases without images
 * (captioning). So a run whose images take longer than `checkEveryMs` — every
 * real provider — stops before its next image, well within one episode; in
 * the fast offline world it stops within `checkEveryMs`.
 */
import type { ImageGenerator } from '../engine/providers/types.js';

export interface CancellationWatchOptions {
  /** Reads the flag: true when the run has been asked to stop. */
  isCancelRequested: () => Promise<boolean>;
  onCancel: () => void;
  /** Longest time between two looks at the flag while the run works, in milliseconds. */
  checkEveryMs: number;
  /** A check that threw (the next one will try again). */
  onCheckError?: (error: unknown) => void;
}

export class CancellationWatch {
  private inFlight: Promise<void> | undefined;
  private interval: NodeJS.Timeout | undefined;
  private lastSeenAt = 0;
  private cancelled = false;

  constructor(private readonly options: CancellationWatchOptions) {}

  start(): void {
    this.interval ??= setInterval(() => {
      if (this.isStale()) void this.check();
    }, Math.max(this.options.checkEveryMs, 50));
    this.interval.unref();
  }

  stop(): void {
    clearInterval(this.interval);
    this.interval = undefined;
  }

  /** The flag as another read saw it (e.g. a batch of writes). */
  observe(cancelRequested: boolean): void {
    this.lastSeenAt = performance.now();
    if (cancelRequested) this.cancel();
  }

  /** Before an image: reads the flag if it has not been seen recently (joining a read in progress). */
  beforeImage(): Promise<void> {
    return this.inFlight ?? (this.isStale() ? this.check() : Promise.resolve());
  }

  private isStale(): boolean {
    return performance.now() - this.lastSeenAt >= this.options.checkEveryMs;
  }

  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.options.onCancel();
  }

  private check(): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    this.inFlight ??= this.options
      .isCancelRequested()
      .then((requested) => this.observe(requested))
      .catch((error: unknown) => this.options.onCheckError?.(error))
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

/** The generator, looking at the cancel flag before each image when it has not been seen recently. */
export function generatorWatchedBy(generator: ImageGenerator, watch: CancellationWatch): ImageGenerator {
  return {
    id: generator.id,
    modelId: generator.modelId,
    takesSeed: generator.takesSeed,
    pricePerImage: (width, height) => generator.pricePerImage(width, height),
    async generate(request) {
      await watch.beforeImage();
      request.signal?.throwIfAborted();
      return generator.generate(request);
    },
  };
}
