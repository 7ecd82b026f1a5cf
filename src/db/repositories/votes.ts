/**
 * Votes on generated images: one per player per image, changeable. The
 * trainer's human-feedback source reads their mean as a score in [0, 1].
 */
import { and, avg, count, eq, getTableColumns, gte, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type Vote, votes } from '../schema.js';

export interface VoteInput {
  playerId: string;
  imageSha: string;
  /** In [0, 1]: thumbs down 0, thumbs up 1 (finer scales map into the same range). */
  score: number;
  challengeId?: number | null;
  runId?: number | null;
}

/** Casts or changes the player's vote on the image. `created` says whether it is their first vote on it. */
export async function castVote(db: Database, input: VoteInput): Promise<{ vote: Vote; created: boolean }> {
  if (!(input.score >= 0 && input.score <= 1)) throw new RangeError(`A vote's score must be in [0, 1] (got ${input.score}).`);
  const [row] = await db
    .insert(votes)
    .values(input)
    .onConflictDoUpdate({
      target: [votes.playerId, votes.imageSha],
      set: {
        score: input.score,
        updatedAt: sql`now()`,
        challengeId: sql`coalesce(excluded.challenge_id, ${votes.challengeId})`,
        runId: sql`coalesce(excluded.run_id, ${votes.runId})`,
      },
    })
    // xmax is 0 only on a row this statement inserted (PostgreSQL's MVCC bookkeeping).
    .returning({ ...getTableColumns(votes), created: sql<boolean>`(xmax = 0)` });
  const { created, ...vote } = row!;
  return { vote, created };
}

/** The player's vote on the image, if they cast one. */
export async function getVote(db: Database, who: { playerId: string; imageSha: string }): Promise<Vote | undefined> {
  const [row] = await db
    .select()
    .from(votes)
    .where(and(eq(votes.playerId, who.playerId), eq(votes.imageSha, who.imageSha)))
    .limit(1);
  return row;
}

/** Withdraws the player's vote; true if there was one. */
export async function removeVote(db: Database, who: { playerId: string; imageSha: string }): Promise<boolean> {
  const rows = await db
    .delete(votes)
    .where(and(eq(votes.playerId, who.playerId), eq(votes.imageSha, who.imageSha)))
    .returning({ id: votes.id });
  return rows.length === 1;
}

/** Mean and number of votes on the image, counting votes cast or changed at or after `since`. */
export async function voteSummaryForImage(
  db: Database,
  imageSha: string,
  since?: Date,
): Promise<{ mean: number | null; count: number }> {
  const conditions: SQL[] = [eq(votes.imageSha, imageSha)];
  if (since !== undefined) conditions.push(gte(votes.updatedAt, since));
  const [row] = await db
    .select({ mean: avg(votes.score).mapWith(Number), count: count() })
    .from(votes)
    .where(and(...conditions));
  return { mean: row?.mean ?? null, count: row?.count ?? 0 };
}

/** The human score of an image: the mean vote in [0, 1], or `null` when nobody voted (the reward falls back to similarity). */
export async function humanScoreForImage(db: Database, imageSha: string, since?: Date): Promise<number | null> {
  return (await voteSummaryForImage(db, imageSha, since)).mean;
}
