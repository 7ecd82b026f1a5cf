/**
 * Runs as the bot reads them. A running run's row carries its checkpoint
 * (policy weights and Adam moments, up to megabytes of JSON); the bot reads
 * runs many times a second while following them and never needs it, so it
 * selects these columns only. (Named reads the bot needs beyond
 * `src/db/repositories/runs.ts`, which returns whole rows.)
 */
import { and, desc, eq, gte, inArray, isNotNull, type SQL } from 'drizzle-orm';
import type { Database, Run, RunStatus } from '../../db/index.js';
import { runs } from '../../db/schema.js';

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

/** A run without its checkpoint and worker bookkeeping: what the bot shows and decides on. */
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
