/**
 * Episodes and steps of a run. Both are written idempotently, keyed by
 * (run, iteration, episode[, step]): a run resumed from its checkpoint replays
 * the interrupted iteration, and the replayed rows are ignored, not doubled.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type Episode, episodes, type Step, steps } from '../schema.js';

export interface StepRecord {
  runId: number;
  iteration: number;
  episode: number;
  step: number;
  words: string[];
  prompt: string;
  seed?: number | null;
  imageSha?: string | null;
  similarity?: number | null;
  humanScore?: number | null;
  reward?: number | null;
  cached?: boolean;
}

export interface EpisodeRecord {
  runId: number;
  iteration: number;
  episode: number;
  words: string[];
  prompt: string;
  rewards: number[];
  episodeReturn: number;
}

/** True if the step was new; false if (run, iteration, episode, step) was already recorded (the first write wins). */
export async function recordStep(db: Database, step: StepRecord): Promise<boolean> {
  return (await recordSteps(db, [step])) === 1;
}

/** Records many steps in one statement; returns how many were new. */
export async function recordSteps(db: Database, records: readonly StepRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const inserted = await db
    .insert(steps)
    .values([...records])
    .onConflictDoNothing({ target: [steps.runId, steps.iteration, steps.episode, steps.step] })
    .returning({ id: steps.id });
  return inserted.length;
}

/** In order of iteration, episode, step. */
export async function listSteps(db: Database, runId: number, filter: { iteration?: number } = {}): Promise<Step[]> {
  return db
    .select()
    .from(steps)
    .where(and(eq(steps.runId, runId), filter.iteration === undefined ? undefined : eq(steps.iteration, filter.iteration)))
    .orderBy(asc(steps.iteration), asc(steps.episode), asc(steps.step));
}

export async function countSteps(db: Database, runId: number): Promise<number> {
  return db.$count(steps, eq(steps.runId, runId));
}

/** True if the episode was new; false if it was already recorded. */
export async function recordEpisode(db: Database, episode: EpisodeRecord): Promise<boolean> {
  const inserted = await db
    .insert(episodes)
    .values(episode)
    .onConflictDoNothing({ target: [episodes.runId, episodes.iteration, episodes.episode] })
    .returning({ id: episodes.id });
  return inserted.length === 1;
}

/** Many episodes in one statement; already recorded ones are skipped (a resumed run replays them). */
export async function insertEpisodes(db: Database, records: readonly EpisodeRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db
    .insert(episodes)
    .values([...records])
    .onConflictDoNothing({ target: [episodes.runId, episodes.iteration, episodes.episode] });
}

/** In order of iteration, episode. */
export async function listEpisodes(db: Database, runId: number): Promise<Episode[]> {
  return db
    .select()
    .from(episodes)
    .where(eq(episodes.runId, runId))
    .orderBy(asc(episodes.iteration), asc(episodes.episode));
}
