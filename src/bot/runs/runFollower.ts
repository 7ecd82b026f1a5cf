/**
 * Follows one run from its stored events and shows it in the challenge
 * thread: a status message edited live, the images in 2×2 grids with vote
 * buttons, and a summary at the end.
 *
 * It works from the database alone (the run may execute in another process
 * or on another machine) and remembers nothing itself: at start it reads the
 * thread back (`readThreadLog`) and replays the run's events from the first,
 * so after a bot restart the status is rebuilt exactly and posting resumes
 * after the last grid — no image twice, none lost.
 *
 * Events are polled (`listRunEventsSince`) with a backoff: every
 * `pollMinMs` while events flow, doubling to `pollMaxMs` when the run is quiet.
 */
import type { BlobStore, Database } from '../../db/index.js';
import { challengeLeaderboard, getRunSummary, listRunEvaluations, listRunEventsSince, queuePosition, type RunSummary } from '../../db/index.js';
import { describeError } from '../interactions/router.js';
import type { BotLogger } from '../logger.js';
import { isFinished } from '../services/runs.js';
import { createLiveStatus, type LiveStatus } from '../status/liveStatus.js';
import { buildGridMessage, type GridEntry } from './gridMessage.js';
import { ImageBatcher } from './imageBatcher.js';
import { parseRunEvent } from './runEvents.js';
import { applyRunEvent, EMPTY_PROGRESS, type RunProgress } from './runProgress.js';
import { readThreadLog, type ChallengeThread } from './challengeThread.js';
import { renderStatus, type StatusMessage } from './statusView.js';
import { buildSummaryMessage } from './summary.js';

export interface FollowerSettings {
  /** Poll interval while events arrive. */
  readonly pollMinMs: number;
  /** Poll interval reached by doubling while the run is quiet. */
  readonly pollMaxMs: number;
  /** Minimum time between two edits of the status message. */
  readonly statusIntervalMs: number;
  /** How long an image waits for three more before a partial grid is posted. */
  readonly batchDelayMs: number;
  readonly maxImagesPerIteration: number;
  /** Side of each image in the grid picture, in pixels. */
  readonly gridCell: number;
}

export const DEFAULT_FOLLOWER_SETTINGS: FollowerSettings = {
  pollMinMs: 250,
  pollMaxMs: 2000,
  statusIntervalMs: 1500,
  batchDelayMs: 2000,
  maxImagesPerIteration: 8,
  gridCell: 192,
};

export interface FollowerDeps {
  readonly db: Database;
  readonly blobs: BlobStore;
  readonly logger: BotLogger;
  readonly settings: FollowerSettings;
}

export type FollowerOutcome = 'finished' | 'stopped' | 'gone';

const EVENTS_PER_READ = 500;

export class RunFollower {
  private stopping = false;
  private wake: (() => void) | undefined;
  private progress: RunProgress = EMPTY_PROGRESS;
  private cursor = 0;
  private status: LiveStatus<StatusMessage> | undefined;
  private batcher: ImageBatcher | undefined;
  /** Grids posted by this follower (tests and metrics). */
  gridsPosted = 0;

  constructor(
    private readonly deps: FollowerDeps,
    readonly runId: number,
    private readonly thread: ChallengeThread,
  ) {}

  /** Follows the run until it has finished and its summary is posted, or until `stop()`. */
  async follow(): Promise<FollowerOutcome> {
    const { db, settings, logger } = this.deps;
    const log = await readThreadLog(this.thread, this.runId);
    // The summary goes out after the final status: both are in the thread already.
    if (log.summaryPosted) return 'finished';
    let run = await getRunSummary(db, this.runId);
    if (run === undefined) return 'gone';
    const statusMessageId = log.statusMessageId ?? (await this.thread.send(this.render(run, undefined)));
    this.status = createLiveStatus<StatusMessage>({
      write: (message) => this.thread.edit(statusMessageId, message),
      minIntervalMs: settings.statusIntervalMs,
      onError: (error) => logger.warn({ runId: this.runId, error: describeError(error) }, 'status message edit failed'),
    });
    this.batcher = new ImageBatcher({ maxImagesPerIteration: settings.maxImagesPerIteration, batchDelayMs: settings.batchDelayMs }, log);

    let delay = settings.pollMinMs;
    while (!this.stopping) {
      const rows = await listRunEventsSince(db, this.runId, this.cursor, EVENTS_PER_READ);
      for (const row of rows) this.apply(row);
      run = await getRunSummary(db, this.runId);
      if (run === undefined) return 'gone';
      const finished = isFinished(run) && run.lastEventSeq <= this.cursor;
      await this.postReadyGrids(finished);
      const position = run.status === 'queued' ? await queuePosition(db, this.runId) : undefined;
      this.status.update(this.render(run, position));
      if (finished) {
        await this.finish(run);
        return 'finished';
      }
      delay = rows.length > 0 ? settings.pollMinMs : Math.min(settings.pollMaxMs, delay * 2);
      await this.sleep(delay);
    }
    await this.status.flush();
    return 'stopped';
  }

  /** Stops following (the bot is shutting down); resolves when `follow` has returned. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** Look for new events now (e.g. a command just changed the run). */
  poke(): void {
    this.wake?.();
  }

  private apply(row: Parameters<typeof parseRunEvent>[0]): void {
    this.cursor = Math.max(this.cursor, row.seq);
    const event = parseRunEvent(row);
    if (event === undefined) return;
    this.progress = applyRunEvent(this.progress, event);
    if (event.type === 'image-generated') {
      this.batcher?.offer({ seq: event.seq, iteration: event.iteration, prompt: event.prompt, imageSha: event.imageSha, similarity: event.similarity });
    }
  }

  private render(run: RunSummary, position: number | undefined): StatusMessage {
    return renderStatus({ run, progress: this.progress, queuePosition: position, imagesPosted: this.batcher?.posted ?? 0 });
  }

  private async postReadyGrids(force: boolean): Promise<void> {
    const batcher = this.batcher!;
    for (let grid = batcher.nextGrid(force); grid !== undefined && !this.stopping; grid = batcher.nextGrid(force)) {
      await this.postGrid(grid);
    }
  }

  private async postGrid(entries: GridEntry[]): Promise<void> {
    const { blobs, settings, logger } = this.deps;
    const loaded = await Promise.all(entries.map(async (entry) => ({ entry, bytes: await blobs.get(entry.imageSha).catch(() => undefined) })));
    const present = loaded.filter((item): item is { entry: GridEntry; bytes: Uint8Array } => item.bytes !== undefined);
    const missing = loaded.filter((item) => item.bytes === undefined).map((item) => item.entry);
    if (missing.length > 0) {
      logger.warn({ runId: this.runId, images: missing.map((entry) => entry.imageSha) }, 'images missing from the blob store; not posted');
      this.batcher!.markDone(missing, false);
    }
    if (present.length === 0) return;
    const message = await buildGridMessage(
      this.runId,
      present.map((item) => item.entry),
      present.map((item) => item.bytes),
      { cell: settings.gridCell },
    );
    await this.thread.send(message);
    this.batcher!.markDone(
      present.map((item) => item.entry),
      true,
    );
    this.gridsPosted += 1;
  }

  private async finish(run: RunSummary): Promise<void> {
    const { db } = this.deps;
    // The status shows the end before the summary appears under it.
    await this.status!.flush();
    const started = this.progress.history.length > 0 || this.progress.finished !== undefined;
    if (started) {
      const [evaluations, leaderboard] = await Promise.all([
        listRunEvaluations(db, run.id),
        run.challengeId === null ? Promise.resolve([]) : challengeLeaderboard(db, run.challengeId),
      ]);
      await this.thread.send(await buildSummaryMessage({ run, progress: this.progress, evaluations, leaderboard }));
    }
    await this.status!.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}
