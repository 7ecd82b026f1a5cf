/**
 * Batched and ownership-checked writes the worker needs beyond the
 * repositories in `src/db/` (which write one row at a time and do not check
 * who holds a run). Batching keeps the database's share of a run small: one
 * flush writes an iteration's images, steps, episodes and events in a handful
 * of statements. Every write here is idempotent or guarded by the claim, so a
 * worker presumed dead can never overwrite its successor.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { EpisodeRecord } from '../db/repositories/steps.js';
import {
  episodes,
  generationCache,
  images,
  type JsonValue,
  type NewGenerationCacheEntry,
  type NewImage,
  type Run,
  type RunStatus,
  runEvents,
  runs,
} from '../db/schema.js';

/** Image metadata rows for bytes already in the blob store; rows that exist stay as they are. */
export async function insertImageRows(db: Database, rows: readonly NewImage[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(images).values([...rows]).onConflictDoNothing({ target: images.sha256 });
}

/** Generation-cache rows; the first image stored under a key stays. */
export async function insertGenerationCacheRows(db: Database, rows: readonly NewGenerationCacheEntry[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(generationCache).values([...rows]).onConflictDoNothing({ target: generationCache.key });
}

/** Many episodes in one statement; already recorded ones are skipped (a resumed run replays them). */
export async function insertEpisodes(db: Database, records: readonly EpisodeRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db
    .insert(episodes)
    .values([...records])
    .onConflictDoNothing({ target: [episodes.runId, episodes.iteration, episodes.episode] });
}

export interface EventToAppend {
  type: string;
  payload: JsonValue;
}

export interface AppendOutcome {
  /** False when the worker no longer holds the run: it must stop. */
  owned: boolean;
  /** Whether someone asked to cancel the run (read in the same statement, for free). */
  cancelRequested: boolean;
}

/**
 * Appends events with the run's next numbers (as `appendRunEvent` does, but
 * several at once), only while `workerId` holds the running run.
 */
export async function appendRunEventsAsOwner(
  db: Database,
  runId: number,
  workerId: string,
  events: readonly EventToAppend[],
): Promise<AppendOutcome> {
  if (events.length === 0) return { owned: true, cancelRequested: false };
  return db.transaction((tx) => appendRunEventsInTransaction(tx, runId, workerId, events));
}

/** `appendRunEventsAsOwner` inside the caller's transaction (which makes the bump and the insert atomic). */
export async function appendRunEventsInTransaction(
  tx: Database,
  runId: number,
  workerId: string,
  events: readonly EventToAppend[],
): Promise<AppendOutcome> {
  if (events.length === 0) return { owned: true, cancelRequested: false };
  const [counter] = await tx
    .update(runs)
    .set({ lastEventSeq: sql`${runs.lastEventSeq} + ${events.length}` })
    .where(and(eq(runs.id, runId), eq(runs.workerId, workerId), eq(runs.status, 'running')))
    .returning({ last: runs.lastEventSeq, cancelRequestedAt: runs.cancelRequestedAt });
  if (counter === undefined) return { owned: false, cancelRequested: false };
  const first = counter.last - events.length + 1;
  await tx.insert(runEvents).values(events.map((event, i) => ({ runId, seq: first + i, type: event.type, payload: event.payload })));
  return { owned: true, cancelRequested: counter.cancelRequestedAt !== null };
}

export interface FinishedRunOutcome {
  error?: string | null;
  learnedPrompt?: string | null;
  learnedReward?: number | null;
}

/**
 * Moves the run `workerId` holds to a finished status and appends a `status`
 * event saying so, in one transaction. `undefined` if the worker no longer
 * holds it (another took over, or it was already finished).
 */
export async function finishOwnedRun(
  db: Database,
  runId: number,
  workerId: string,
  status: FinishedStatus,
  outcome: FinishedRunOutcome = {},
): Promise<Run | undefined> {
  return db.transaction((tx) => finishOwnedRunInTransaction(tx, runId, workerId, status, outcome));
}

export type FinishedStatus = Extract<RunStatus, 'completed' | 'failed' | 'cancelled' | 'budget'>;

/** `finishOwnedRun` inside the caller's transaction. */
export async function finishOwnedRunInTransaction(
  tx: Database,
  runId: number,
  workerId: string,
  status: FinishedStatus,
  outcome: FinishedRunOutcome = {},
): Promise<Run | undefined> {
  const [row] = await tx
    .update(runs)
    .set({
      status,
      ...outcome,
      finishedAt: sql`now()`,
      heartbeatAt: null,
      updatedAt: sql`now()`,
      lastEventSeq: sql`${runs.lastEventSeq} + 1`,
    })
    .where(and(eq(runs.id, runId), eq(runs.workerId, workerId), eq(runs.status, 'running')))
    .returning();
  if (row === undefined) return undefined;
  const payload: JsonValue = {
    status,
    error: outcome.error ?? null,
    learnedPrompt: outcome.learnedPrompt ?? null,
    // JSON has no NaN.
    learnedReward: outcome.learnedReward !== undefined && outcome.learnedReward !== null && Number.isFinite(outcome.learnedReward) ? outcome.learnedReward : null,
  };
  await tx.insert(runEvents).values({ runId, seq: row.lastEventSeq, type: 'status', payload });
  return row;
}

/** Running runs whose worker has not sent a heartbeat for `staleAfterMs` (it probably died). */
export async function listStaleRunIds(db: Database, staleAfterMs: number): Promise<number[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.status, 'running'),
        sql`(${runs.heartbeatAt} is null or ${runs.heartbeatAt} < now() - make_interval(secs => ${staleAfterMs / 1000}::double precision))`,
      ),
    )
    .orderBy(runs.id);
  return rows.map((row) => row.id);
}

/** Queued and running runs, oldest first (embedded mode re-enqueues them at start-up). */
export async function listUnfinishedRunIds(db: Database): Promise<Array<{ id: number; status: RunStatus }>> {
  return db
    .select({ id: runs.id, status: runs.status })
    .from(runs)
    .where(inArray(runs.status, ['queued', 'running']))
    .orderBy(runs.createdAt, runs.id);
}
