/**
 * Training runs as durable records: created queued, claimed by one worker,
 * checkpointed after every iteration, finished with a status. A worker that
 * stops heartbeating loses its claim, so another can resume from the checkpoint.
 */
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Hyperparameters, PresetName } from '../../engine/training/hyperparameters.js';
import type { Database } from '../client.js';
import { challenges, FINISHED_RUN_STATUSES, type JsonValue, type Run, type RunCheckpoint, type RunStatus, runEvents, runs } from '../schema.js';

export interface NewRunInput {
  challengeId?: number | null;
  requestedBy?: string | null;
  targetImageSha: string;
  promptSpaceId?: number | null;
  preset: PresetName;
  hyperparameters: Hyperparameters;
}

const ACTIVE_STATUSES: RunStatus[] = ['queued', 'running'];
const DEFAULT_STALE_AFTER_MS = 60_000;

export async function createRun(db: Database, input: NewRunInput): Promise<Run> {
  const [row] = await db.insert(runs).values(input).returning();
  return row!;
}

export async function getRun(db: Database, runId: number): Promise<Run | undefined> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId));
  return row;
}

/** Newest first. */
export async function listRuns(
  db: Database,
  filter: { challengeId?: number; requestedBy?: string; statuses?: RunStatus[]; limit?: number } = {},
): Promise<Run[]> {
  const conditions: SQL[] = [];
  if (filter.challengeId !== undefined) conditions.push(eq(runs.challengeId, filter.challengeId));
  if (filter.requestedBy !== undefined) conditions.push(eq(runs.requestedBy, filter.requestedBy));
  if (filter.statuses !== undefined) conditions.push(inArray(runs.status, filter.statuses));
  return db
    .select()
    .from(runs)
    .where(and(...conditions))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(filter.limit ?? 50);
}

/**
 * What the bot shows and decides on. A running run's row carries its
 * checkpoint (policy weights and Adam moments, up to megabytes of JSON); the
 * bot reads runs many times a second while following them and never needs
 * it, so summaries select these columns only.
 */
const SUMMARY_COLUMNS = {
  id: runs.id,
  challengeId: runs.challengeId,
  requestedBy: runs.requestedBy,
  preset: runs.preset,
  hyperparameters: runs.hyperparameters,
  status: runs.status,
  iteration: runs.iteration,
  generationsUsed: runs.generationsUsed,
  costUsd: runs.costUsd,
  learnedPrompt: runs.learnedPrompt,
  learnedReward: runs.learnedReward,
  cancelRequestedAt: runs.cancelRequestedAt,
  lastEventSeq: runs.lastEventSeq,
  createdAt: runs.createdAt,
  finishedAt: runs.finishedAt,
} as const;

/** A run without its checkpoint and worker bookkeeping. */
export type RunSummary = Pick<Run, keyof typeof SUMMARY_COLUMNS>;

export async function getRunSummary(db: Database, runId: number): Promise<RunSummary | undefined> {
  const [row] = await db.select(SUMMARY_COLUMNS).from(runs).where(eq(runs.id, runId));
  return row;
}

/** Newest first. */
export async function listRunSummaries(
  db: Database,
  filter: { challengeId?: number; requestedBy?: string; statuses?: RunStatus[]; inChallenge?: boolean; finishedSince?: Date; limit?: number },
): Promise<RunSummary[]> {
  const conditions: SQL[] = [];
  if (filter.challengeId !== undefined) conditions.push(eq(runs.challengeId, filter.challengeId));
  if (filter.requestedBy !== undefined) conditions.push(eq(runs.requestedBy, filter.requestedBy));
  if (filter.statuses !== undefined) conditions.push(inArray(runs.status, filter.statuses));
  if (filter.inChallenge) conditions.push(isNotNull(runs.challengeId));
  if (filter.finishedSince !== undefined) conditions.push(gte(runs.finishedAt, filter.finishedSince));
  return db
    .select(SUMMARY_COLUMNS)
    .from(runs)
    .where(and(...conditions))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(filter.limit ?? 50);
}

function heartbeatOlderThan(ms: number): SQL {
  return sql`${runs.heartbeatAt} < now() - make_interval(secs => ${ms / 1000}::double precision)`;
}

const claimedFields = (workerId: string) => ({
  status: 'running' as const,
  workerId,
  heartbeatAt: sql`now()`,
  startedAt: sql`coalesce(${runs.startedAt}, now())`,
  updatedAt: sql`now()`,
});

/**
 * Takes the run for `workerId`: a queued run, a run this worker already holds,
 * or a running run whose worker has not sent a heartbeat for `staleAfterMs`
 * (it died). `undefined` when someone else holds it or it has finished.
 */
export async function claimRun(
  db: Database,
  runId: number,
  workerId: string,
  options: { staleAfterMs?: number } = {},
): Promise<Run | undefined> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const [row] = await db
    .update(runs)
    .set(claimedFields(workerId))
    .where(
      and(
        eq(runs.id, runId),
        or(
          eq(runs.status, 'queued'),
          and(
            eq(runs.status, 'running'),
            or(eq(runs.workerId, workerId), isNull(runs.heartbeatAt), heartbeatOlderThan(staleAfterMs)),
          ),
        ),
      ),
    )
    .returning();
  return row;
}

/** Claims the oldest queued run, skipping rows another worker is claiming at this instant. */
export async function claimNextRun(db: Database, workerId: string): Promise<Run | undefined> {
  const oldestQueued = db
    .select({ id: runs.id })
    .from(runs)
    .where(eq(runs.status, 'queued'))
    .orderBy(asc(runs.createdAt), asc(runs.id))
    .limit(1)
    .for('update', { skipLocked: true });
  const [row] = await db
    .update(runs)
    .set(claimedFields(workerId))
    .where(and(eq(runs.id, sql`(${oldestQueued})`), eq(runs.status, 'queued')))
    .returning();
  return row;
}

/** Says the worker is alive; false if it no longer holds the run (someone took over, or it finished). */
export async function heartbeatRun(db: Database, runId: number, workerId: string): Promise<boolean> {
  const rows = await db
    .update(runs)
    .set({ heartbeatAt: sql`now()` })
    .where(and(eq(runs.id, runId), eq(runs.workerId, workerId), eq(runs.status, 'running')))
    .returning({ id: runs.id });
  return rows.length === 1;
}

/** Puts a running run back in the queue (e.g. its worker shuts down gracefully); it resumes from its checkpoint. */
export async function releaseRun(db: Database, runId: number, workerId: string): Promise<boolean> {
  const rows = await db
    .update(runs)
    .set({ status: 'queued', workerId: null, heartbeatAt: null, updatedAt: sql`now()` })
    .where(and(eq(runs.id, runId), eq(runs.workerId, workerId), eq(runs.status, 'running')))
    .returning({ id: runs.id });
  return rows.length === 1;
}

export async function setRunPromptSpace(db: Database, runId: number, promptSpaceId: number): Promise<void> {
  await db.update(runs).set({ promptSpaceId, updatedAt: sql`now()` }).where(eq(runs.id, runId));
}

/**
 * Stores the checkpoint taken after iteration `checkpoint.iteration`. With
 * `workerId`, only while that worker holds the run, so a worker that was
 * presumed dead cannot overwrite its successor's progress. `generationsUsed`
 * and `costUsd`, when given, are the run's totals at the checkpoint.
 */
export async function saveCheckpoint(
  db: Database,
  runId: number,
  checkpoint: RunCheckpoint,
  options: { workerId?: string; generationsUsed?: number; costUsd?: number } = {},
): Promise<boolean> {
  const rows = await db
    .update(runs)
    .set({
      checkpoint,
      iteration: checkpoint.iteration,
      ...(options.generationsUsed !== undefined ? { generationsUsed: options.generationsUsed } : {}),
      ...(options.costUsd !== undefined ? { costUsd: options.costUsd } : {}),
      heartbeatAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(runs.id, runId), options.workerId === undefined ? undefined : eq(runs.workerId, options.workerId)))
    .returning({ id: runs.id });
  return rows.length === 1;
}

/** Adds images generated and money spent, atomically; returns the new totals. */
export async function addRunCost(
  db: Database,
  runId: number,
  spent: { generations: number; costUsd: number },
): Promise<{ generationsUsed: number; costUsd: number } | undefined> {
  const [row] = await db
    .update(runs)
    .set({
      generationsUsed: sql`${runs.generationsUsed} + ${spent.generations}`,
      costUsd: sql`${runs.costUsd} + ${spent.costUsd}`,
      updatedAt: sql`now()`,
    })
    .where(eq(runs.id, runId))
    .returning({ generationsUsed: runs.generationsUsed, costUsd: runs.costUsd });
  return row;
}

export interface RunOutcome {
  error?: string | null;
  learnedPrompt?: string | null;
  learnedReward?: number | null;
}

/**
 * Moves a run to `status`. A finished run (completed, failed, cancelled,
 * budget) never changes again: the call returns `undefined` then.
 */
export async function updateRunStatus(
  db: Database,
  runId: number,
  status: RunStatus,
  outcome: RunOutcome = {},
): Promise<Run | undefined> {
  const finishing = FINISHED_RUN_STATUSES.includes(status);
  const [row] = await db
    .update(runs)
    .set({
      status,
      ...outcome,
      ...(status === 'running' ? { startedAt: sql`coalesce(${runs.startedAt}, now())` } : {}),
      ...(finishing ? { finishedAt: sql`now()`, heartbeatAt: null } : {}),
      ...(status === 'queued' ? { workerId: null, heartbeatAt: null } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(eq(runs.id, runId), inArray(runs.status, ACTIVE_STATUSES)))
    .returning();
  return row;
}

export type FinishedStatus = Extract<RunStatus, 'completed' | 'failed' | 'cancelled' | 'budget'>;

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
  outcome: RunOutcome = {},
): Promise<Run | undefined> {
  return db.transaction((tx) => finishOwnedRunInTransaction(tx, runId, workerId, status, outcome));
}

/** `finishOwnedRun` inside the caller's transaction. */
export async function finishOwnedRunInTransaction(
  tx: Database,
  runId: number,
  workerId: string,
  status: FinishedStatus,
  outcome: RunOutcome = {},
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

/**
 * Asks a run to stop: a queued run is cancelled at once; a running one is
 * flagged, and its worker stops at the next episode (see `isRunCancelRequested`).
 */
export async function requestRunCancel(db: Database, runId: number): Promise<Run | undefined> {
  const [row] = await db
    .update(runs)
    .set({
      status: sql`case when ${runs.status} = 'queued' then 'cancelled' else ${runs.status} end`,
      finishedAt: sql`case when ${runs.status} = 'queued' then now() else ${runs.finishedAt} end`,
      cancelRequestedAt: sql`coalesce(${runs.cancelRequestedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(runs.id, runId), inArray(runs.status, ACTIVE_STATUSES)))
    .returning();
  return row;
}

export async function isRunCancelRequested(db: Database, runId: number): Promise<boolean> {
  const [row] = await db
    .select({ cancelRequestedAt: runs.cancelRequestedAt, status: runs.status })
    .from(runs)
    .where(eq(runs.id, runId));
  return row !== undefined && (row.cancelRequestedAt !== null || row.status === 'cancelled');
}

/** Queued plus running runs, for one user and/or one guild (through the run's challenge). */
export async function countActiveRuns(db: Database, filter: { requestedBy?: string; guildId?: string }): Promise<number> {
  const conditions: SQL[] = [inArray(runs.status, ACTIVE_STATUSES)];
  if (filter.requestedBy !== undefined) conditions.push(eq(runs.requestedBy, filter.requestedBy));
  if (filter.guildId !== undefined) {
    conditions.push(inArray(runs.challengeId, db.select({ id: challenges.id }).from(challenges).where(eq(challenges.guildId, filter.guildId))));
  }
  return db.$count(runs, and(...conditions));
}

/** Runs a user started since `since` (for daily quotas), whatever became of them. */
export async function countRunsSince(db: Database, requestedBy: string, since: Date): Promise<number> {
  return db.$count(runs, and(eq(runs.requestedBy, requestedBy), gte(runs.createdAt, since)));
}

/** 1 for the next run a worker will take; `undefined` if the run is not queued. */
export async function queuePosition(db: Database, runId: number): Promise<number | undefined> {
  // Compared in SQL: JavaScript dates drop the microseconds PostgreSQL keeps.
  const mine = db
    .select({ createdAt: runs.createdAt, id: runs.id })
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.status, 'queued')));
  const position = await db.$count(runs, and(eq(runs.status, 'queued'), sql`(${runs.createdAt}, ${runs.id}) <= (${mine})`));
  // Not queued: the subquery is empty, the comparison null, the count 0.
  return position === 0 ? undefined : position;
}

/** Running runs whose worker has not sent a heartbeat for `staleAfterMs` (it probably died), by id. */
export async function listStaleRunIds(db: Database, staleAfterMs: number): Promise<number[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.status, 'running'), or(isNull(runs.heartbeatAt), heartbeatOlderThan(staleAfterMs))))
    .orderBy(runs.id);
  return rows.map((row) => row.id);
}

/** Queued and running runs, oldest first (embedded mode re-enqueues them at start-up). */
export async function listUnfinishedRunIds(db: Database): Promise<Array<{ id: number; status: RunStatus }>> {
  return db
    .select({ id: runs.id, status: runs.status })
    .from(runs)
    .where(inArray(runs.status, ACTIVE_STATUSES))
    .orderBy(runs.createdAt, runs.id);
}

/** Runs per status (statuses without runs are absent), for the metrics endpoint. */
export async function countRunsByStatus(db: Database): Promise<Record<string, number>> {
  const rows = await db.select({ status: runs.status, count: sql<number>`count(*)::int` }).from(runs).groupBy(runs.status);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
}

/**
 * Takes the transaction-scoped locks that serialise run admission for the
 * guild and the user (in that order, so two transactions never wait on each
 * other in a cycle). Call inside a transaction: the locks last until it ends.
 */
export async function lockRunAdmission(tx: Database, who: { guildId: string; userId: string }): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`imageprompt:train:guild:${who.guildId}`}))`);
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`imageprompt:train:user:${who.userId}`}))`);
}
