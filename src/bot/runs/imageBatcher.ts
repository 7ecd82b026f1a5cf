/**
 * Decides which of a run's images are posted, and in which grid. Images come
 * in event order; each distinct image is posted once (a cached image seen
 * again is the same image, and votes are per image); at most
 * `maxImagesPerIteration` per iteration, so a long run cannot flood the thread
 * or Discord's rate limits. A grid goes out when it is full, when the next
 * image belongs to a later iteration, when its oldest image has waited
 * `batchDelayMs` (people need time to vote while the trainer's window is
 * open), or when the run ends.
 */
import { type GridEntry, IMAGES_PER_GRID } from './gridMessage.js';
import type { ThreadLog } from './challengeThread.js';

export interface ImageBatcherOptions {
  readonly maxImagesPerIteration: number;
  readonly batchDelayMs: number;
  readonly now?: () => number;
}

interface Pending {
  readonly entry: GridEntry;
  readonly at: number;
}

export class ImageBatcher {
  private readonly pending: Pending[] = [];
  private readonly postedShas: Set<string>;
  private readonly imagesPerIteration: Map<number, number>;
  private throughSeq: number;
  private readonly now: () => number;
  /** Images not shown because their iteration had reached the cap. */
  skipped = 0;
  posted: number;

  constructor(
    private readonly options: ImageBatcherOptions,
    log: Pick<ThreadLog, 'postedShas' | 'imagesPerIteration' | 'throughSeq'>,
  ) {
    this.postedShas = new Set(log.postedShas);
    this.imagesPerIteration = new Map(log.imagesPerIteration);
    this.throughSeq = log.throughSeq;
    this.posted = this.postedShas.size;
    this.now = options.now ?? (() => performance.now());
  }

  /** Considers an image from an `image-generated` event. */
  offer(entry: GridEntry): void {
    // Covered by a grid posted before (this process or an earlier one).
    if (entry.seq <= this.throughSeq) return;
    if (this.postedShas.has(entry.imageSha) || this.pending.some((item) => item.entry.imageSha === entry.imageSha)) return;
    const inIteration = (this.imagesPerIteration.get(entry.iteration) ?? 0) + this.pending.filter((item) => item.entry.iteration === entry.iteration).length;
    if (inIteration >= this.options.maxImagesPerIteration) {
      this.skipped += 1;
      return;
    }
    this.pending.push({ entry, at: this.now() });
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** The next grid to post now (`force`: the run is over, post whatever waits), or `undefined`. */
  nextGrid(force = false): GridEntry[] | undefined {
    const first = this.pending[0];
    if (first === undefined) return undefined;
    const sameIteration: GridEntry[] = [];
    for (const item of this.pending) {
      if (item.entry.iteration !== first.entry.iteration || sameIteration.length === IMAGES_PER_GRID) break;
      sameIteration.push(item.entry);
    }
    const full = sameIteration.length === IMAGES_PER_GRID;
    const laterIterationWaiting = this.pending.length > sameIteration.length;
    const waitedLongEnough = this.now() - first.at >= this.options.batchDelayMs;
    return full || laterIterationWaiting || waitedLongEnough || force ? sameIteration : undefined;
  }

  /** The grid was posted (or its images dropped for good): never offer them again. */
  markDone(entries: readonly GridEntry[], shown: boolean): void {
    for (const entry of entries) {
      const index = this.pending.findIndex((item) => item.entry.imageSha === entry.imageSha);
      if (index >= 0) this.pending.splice(index, 1);
      this.postedShas.add(entry.imageSha);
      this.throughSeq = Math.max(this.throughSeq, entry.seq);
      if (shown) {
        this.imagesPerIteration.set(entry.iteration, (this.imagesPerIteration.get(entry.iteration) ?? 0) + 1);
        this.posted += 1;
      }
    }
  }
}
