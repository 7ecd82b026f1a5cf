/** Human submissions: a player's own prompt for a challenge, scored on K generated images. */
import { and, asc, count, countDistinct, desc, eq, max } from 'drizzle-orm';
import type { Database } from '../client.js';
import { challenges, type HumanSubmission, humanSubmissions } from '../schema.js';

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

/** A player's best prompt in one challenge (for `/profile`). */
export interface PlayerBestPrompt {
  readonly challengeId: number;
  readonly title: string;
  readonly prompt: string;
  readonly mean: number;
  readonly sd: number;
}

/** The player's best prompt in each challenge of the guild, best first. */
export async function playerBestPrompts(db: Database, who: { playerId: string; guildId: string }): Promise<PlayerBestPrompt[]> {
  const rows = await db
    .selectDistinctOn([humanSubmissions.challengeId], {
      challengeId: humanSubmissions.challengeId,
      title: challenges.title,
      prompt: humanSubmissions.prompt,
      mean: humanSubmissions.meanSimilarity,
      sd: humanSubmissions.sdSimilarity,
    })
    .from(humanSubmissions)
    .innerJoin(challenges, eq(challenges.id, humanSubmissions.challengeId))
    .where(and(eq(humanSubmissions.playerId, who.playerId), eq(challenges.guildId, who.guildId)))
    .orderBy(humanSubmissions.challengeId, desc(humanSubmissions.meanSimilarity), humanSubmissions.createdAt);
  return rows.sort((a, b) => b.mean - a.mean || a.challengeId - b.challengeId);
}

/** Guesses made and challenges played by the player in the guild. */
export async function playerActivity(db: Database, who: { playerId: string; guildId: string }): Promise<{ guesses: number; challenges: number }> {
  const [row] = await db
    .select({ guesses: count(), challenges: countDistinct(humanSubmissions.challengeId) })
    .from(humanSubmissions)
    .innerJoin(challenges, eq(challenges.id, humanSubmissions.challengeId))
    .where(and(eq(humanSubmissions.playerId, who.playerId), eq(challenges.guildId, who.guildId)));
  return { guesses: row?.guesses ?? 0, challenges: row?.challenges ?? 0 };
}
