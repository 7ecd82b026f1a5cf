/**
 * Turns a run's engine events into rows — images (bytes to the blob store),
 * generation-cache entries, steps, episodes and numbered run events — and
 * writes them in batches: on a short timer, and always before a checkpoint is
 * saved (`flush`), so a checkpoint never refers to an iteration whose steps
 * are not in the database. The engine's listener is synchronous; nothing here
 * blocks it.
 *
 * Steps are keyed (run, iteration, episode, step) and written with "first
 * write wins", so a resumed run that replays the interrupted iteration adds
 * no duplicates.
 */
import type { BlobStore } from '../db/blobStore.js';
import { sha256Hex } from '../db/blobStore.js';
import type { Database } from '../db/client.js';
import { readImageMetadata } from '../db/imageMetadata.js';
import { insertGenerationCacheRows } from '../db/repositories/generationCache.js';
import { insertImageRows } from '../db/repositories/images.js';
import { appendRunEventsInTransaction, type EventToAppend } from '../db/repositories/runEvents.js';
import { type EpisodeRecord, insertEpisodes, recordSteps, type StepRecord } from '../db/repositories/steps.js';
import type { JsonValue, NewGenerationCacheEntry, NewImage } from '../db/schema.js';
import type { PipelineEvent } from '../engine/optimize.js';
import type { GeneratedImage } from '../engine/providers/types.js';
import type { DbTimer } from './dbTimer.js';
import { toStoredEvent } from './storedEvents.js';

export interface RunRecorderOptions {
  db: Database;
  blobs: BlobStore;
  runId: number;
  workerId: string;
  timer: DbTimer;
  /** Generator id recorded with generation-cache rows (may be set later, once the providers are known). */
  generatorId?: string;
  /** Called when a write finds that another worker holds the run now. */
  onLostClaim: () => void;
  /** Told after each write of events whether the run has been asked to stop (read with the write). */
  onCancelFlag?: (cancelRequested: boolean) => void;
  /** Longest time an event waits before it is written (default 500 ms). */
  flushIntervalMs?: number;
}

interface PendingWrites {
  images: Map<string, Uint8Array>;
  cacheEntries: Map<string, { sha: string; image: GeneratedImage }>;
  steps: StepRecord[];
  episodes: EpisodeRecord[];
  events: EventToAppend[];
}

const emptyWrites = (): PendingWrites => ({ images: new Map(), cacheEntries: new Map(), steps: [], episodes: [], events: [] });

const stepKey = (iteration: number, episode: number, step: number) => `${iteration}:${episode}:${step}`;

export class RunRecorder {
  private pending = emptyWrites();
  /** Images already written (or being written) by this execution. */
  private readonly keptShas = new Set<string>();
  private readonly shaByBytes = new WeakMap<Uint8Array, string>();
  private readonly shaByKey = new Map<string, string>();
  private readonly firstSeenByKey = new Map<string, Date>();
  private readonly cachedByKey = new Map<string, boolean>();
  private readonly requestByKey = new Map<string, { prompt: string; seed: number }>();
  private readonly stepsRecorded = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private interval: NodeJS.Timeout | undefined;
  private lost = false;
  /** Generator id recorded with generation-cache rows. */
  generatorId: string | null;

  constructor(private readonly options: RunRecorderOptions) {
    this.generatorId = options.generatorId ?? null;
  }

  /** Starts the periodic flush. */
  start(): void {
    this.interval ??= setInterval(() => {
      if (this.hasPending()) this.flush().catch(() => {});
    }, this.options.flushIntervalMs ?? 500);
    this.interval.unref();
  }

  stop(): void {
    clearInterval(this.interval);
    this.interval = undefined;
  }

  /** True once a write found the run held by another worker. */
  get lostClaim(): boolean {
    return this.lost;
  }

  /** The sha256 of the image generated under `key`, once its event has been seen. */
  imageShaForKey(key: string): string | undefined {
    return this.shaByKey.get(key);
  }

  /** When this execution first saw the image generated under `key`. */
  imageSeenAt(key: string): Date | undefined {
    return this.firstSeenByKey.get(key);
  }

  /** Queues the image for the blob store and the `images` table; returns its sha256. */
  keepImage(bytes: Uint8Array): string {
    let sha = this.shaByBytes.get(bytes);
    if (sha === undefined) {
      sha = sha256Hex(bytes);
      this.shaByBytes.set(bytes, sha);
    }
    if (!this.keptShas.has(sha)) {
      this.keptShas.add(sha);
      this.pending.images.set(sha, bytes);
    }
    return sha;
  }

  /** Queues a generation-cache row (and its image). */
  cacheEntry(key: string, image: GeneratedImage): void {
    this.pending.cacheEntries.set(key, { sha: this.keepImage(image.bytes), image });
  }

  /** Queues an event that does not come from the engine (e.g. a status change). */
  appendEvent(type: string, payload: JsonValue): void {
    this.pending.events.push({ type, payload });
  }

  /** The engine's listener: synchronous, only queues. */
  record(event: PipelineEvent): void {
    switch (event.type) {
      case 'image-generated': {
        const sha = this.keepImage(event.image);
        this.shaByKey.set(event.imageKey, sha);
        if (!this.firstSeenByKey.has(event.imageKey)) this.firstSeenByKey.set(event.imageKey, new Date());
        this.cachedByKey.set(event.imageKey, event.cached);
        this.requestByKey.set(event.imageKey, { prompt: event.prompt, seed: event.seed });
        break;
      }
      case 'step-rewarded': {
        const firstKey = event.imageKeys[0];
        this.stepsRecorded.add(stepKey(event.iteration, event.episode, event.step));
        this.pending.steps.push({
          runId: this.options.runId,
          iteration: event.iteration,
          episode: event.episode,
          step: event.step,
          words: event.words,
          prompt: event.prompt,
          seed: event.seeds[0] ?? null,
          imageSha: firstKey === undefined ? null : (this.shaByKey.get(firstKey) ?? null),
          similarity: event.similarity,
          humanScore: event.humanScore,
          reward: event.reward,
          cached: event.imageKeys.length > 0 && event.imageKeys.every((key) => this.cachedByKey.get(key) === true),
        });
        break;
      }
      case 'episode-finished':
        this.recordEpisode(event);
        break;
      default:
        break;
    }
    const stored = toStoredEvent(event, (bytes) => this.keepImage(bytes));
    this.pending.events.push(stored);
  }

  /** The episode, and a row for each step that drew no image (reward at the final step only). */
  private recordEpisode(event: Extract<PipelineEvent, { type: 'episode-finished' }>): void {
    const { runId } = this.options;
    this.pending.episodes.push({
      runId,
      iteration: event.iteration,
      episode: event.episode,
      words: event.words,
      prompt: event.prompt,
      rewards: event.rewards,
      episodeReturn: event.episodeReturn,
    });
    event.words.forEach((_, step) => {
      if (this.stepsRecorded.has(stepKey(event.iteration, event.episode, step))) return;
      const words = event.words.slice(0, step + 1);
      this.pending.steps.push({
        runId,
        iteration: event.iteration,
        episode: event.episode,
        step,
        words,
        prompt: words.join(' '),
        reward: event.rewards[step] ?? 0,
      });
    });
  }

  private hasPending(): boolean {
    const p = this.pending;
    return p.images.size + p.cacheEntries.size + p.steps.length + p.episodes.length + p.events.length > 0;
  }

  /**
   * Writes everything queued so far. Flushes run one after another; a failed
   * flush makes every later one fail too (the run must not carry on with a
   * hole in its record).
   */
  flush(): Promise<void> {
    const batch = this.pending;
    const empty = !this.hasPending();
    this.pending = emptyWrites();
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      if (empty) return;
      try {
        await this.write(batch);
      } catch (error) {
        this.failure = error;
        throw error;
      }
    });
    return this.chain;
  }

  /**
   * Writes everything queued, then `last` in the same transaction: one commit
   * for an iteration's rows and its checkpoint, or for the end of a run (its
   * last rows, evaluations and status). The transaction is timed as `kind`.
   */
  flushWith<T>(last: (tx: Database) => Promise<T>, kind: 'checkpoint' | 'write'): Promise<T> {
    const batch = this.pending;
    this.pending = emptyWrites();
    const done = this.chain.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      return this.write(batch, { last, kind });
    });
    this.chain = done.then(
      () => {},
      (error: unknown) => {
        this.failure = error;
        throw error;
      },
    );
    return done;
  }

  private async write(batch: PendingWrites): Promise<void>;
  private async write<T>(batch: PendingWrites, then: { last: (tx: Database) => Promise<T>; kind: 'checkpoint' | 'write' }): Promise<T>;
  private async write<T>(batch: PendingWrites, then?: { last: (tx: Database) => Promise<T>; kind: 'checkpoint' | 'write' }): Promise<T | undefined> {
    const { db, blobs, timer, runId, workerId } = this.options;
    const last = then?.last;
    const rowKind = then?.kind ?? 'write';
    // Bytes first, rows after: a row never points at missing bytes.
    const imageRows: NewImage[] =
      batch.images.size === 0
        ? []
        : await timer.time('blobs', () =>
            Promise.all(
              [...batch.images].map(async ([sha, bytes]) => {
                await blobs.put(bytes);
                const { mime, width, height } = readImageMetadata(bytes);
                return { sha256: sha, mime, width, height, byteSize: bytes.byteLength };
              }),
            ),
          );
    const cacheRows: NewGenerationCacheEntry[] = [...batch.cacheEntries].map(([key, { sha, image }]) => {
      const request = this.requestByKey.get(key);
      return {
        key,
        imageSha: sha,
        generator: this.generatorId,
        model: image.modelId,
        costUsd: image.costUsd,
        prompt: request?.prompt ?? null,
        seed: request?.seed ?? null,
      };
    });
    const events = this.lost ? [] : batch.events;
    // One transaction, one commit: a batch costs one round of durable writes, not five.
    const { outcome, result } = await timer.time(rowKind, () =>
      db.transaction(async (tx) => {
        await insertImageRows(tx, imageRows);
        await insertGenerationCacheRows(tx, cacheRows);
        await recordSteps(tx, batch.steps);
        await insertEpisodes(tx, batch.episodes);
        const appended = await appendRunEventsInTransaction(tx, runId, workerId, events);
        return { outcome: appended, result: last === undefined ? undefined : await last(tx) };
      }),
    );
    if (events.length > 0) {
      if (!outcome.owned) {
        this.lost = true;
        this.options.onLostClaim();
      } else {
        this.options.onCancelFlag?.(outcome.cancelRequested);
      }
    }
    return result;
  }
}
