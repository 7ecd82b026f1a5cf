/** Human submissions: a player's own prompt for a challenge, scored on K generated images. */
import { and, asc, count, desc, eq, max } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type HumanSubmission, humanSubmissions } from '../schema.js';

export interface SubmissionRecord {
  playerId: string;
  challengeId: number;
  prompt: string;
  imageShas: string[];
  meanSimilarity: number;
  sdSimilarity: number;
  costUsd?: number;
}

export async function recordSubmission(db: Database, submission: SubmissionRecord): Promise<HumanSubmission> {
  const [row] = await db.insert(humanSubmissions).values(submission).returning();
  return row!;
}

/** Every submission to the challenge, best first (earlier first among equals). */
export async function listSubmissions(db: Database, challengeId: number): Promise<HumanSubmission[]> {
  return db
    .select()
    .from(humanSubmissions)
    .where(eq(humanSubmissions.challengeId, challengeId))
    .orderBy(desc(humanSubmissions.meanSimilarity), asc(humanSubmissions.createdAt), asc(humanSubmissions.id));
}

/** How many times the player has guessed in the challenge, and when they last did (for attempt limits and cooldowns). */
export async function submissionActivity(
  db: Database,
  who: { playerId: string; challengeId: number },
): Promise<{ count: number; lastAt: Date | null }> {
  const [row] = await db
    .select({ count: count(), lastAt: max(humanSubmissions.createdAt) })
    .from(humanSubmissions)
    .where(and(eq(humanSubmissions.playerId, who.playerId), eq(humanSubmissions.challengeId, who.challengeId)));
  return { count: row?.count ?? 0, lastAt: row?.lastAt ?? null };
}

/** The player's best submission to the challenge. */
export async function bestSubmission(
  db: Database,
  who: { playerId: string; challengeId: number },
): Promise<HumanSubmission | undefined> {
  const [row] = await db
    .select()
    .from(humanSubmissions)
    .where(and(eq(humanSubmissions.playerId, who.playerId), eq(humanSubmissions.challengeId, who.challengeId)))
    .orderBy(desc(humanSubmissions.meanSimilarity), asc(humanSubmissions.createdAt))
    .limit(1);
  return row;
}
