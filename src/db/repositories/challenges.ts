/** Challenges: a target image in a Discord thread, open until its owner closes it. */
import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type Challenge, type ChallengeConfiguration, type ChallengeStatus, challenges } from '../schema.js';

export interface NewChallengeInput {
  ownerId: string;
  guildId?: string | null;
  channelId?: string | null;
  threadId?: string | null;
  title: string;
  configuration: ChallengeConfiguration;
  secretPrompt?: string | null;
  targetImageSha: string;
}

export async function createChallenge(db: Database, input: NewChallengeInput): Promise<Challenge> {
  const [row] = await db.insert(challenges).values(input).returning();
  return row!;
}

export async function getChallenge(db: Database, challengeId: number): Promise<Challenge | undefined> {
  const [row] = await db.select().from(challenges).where(eq(challenges.id, challengeId));
  return row;
}

/** The challenge a Discord thread belongs to. */
export async function getChallengeByThread(db: Database, threadId: string): Promise<Challenge | undefined> {
  const [row] = await db.select().from(challenges).where(eq(challenges.threadId, threadId));
  return row;
}

/** Records the thread opened for the challenge (known only after the challenge row exists). */
export async function setChallengeThread(db: Database, challengeId: number, threadId: string): Promise<Challenge | undefined> {
  const [row] = await db.update(challenges).set({ threadId }).where(eq(challenges.id, challengeId)).returning();
  return row;
}

/** Newest first. */
export async function listChallenges(
  db: Database,
  filter: { guildId?: string; status?: ChallengeStatus; limit?: number } = {},
): Promise<Challenge[]> {
  const conditions: SQL[] = [];
  if (filter.guildId !== undefined) conditions.push(eq(challenges.guildId, filter.guildId));
  if (filter.status !== undefined) conditions.push(eq(challenges.status, filter.status));
  return db
    .select()
    .from(challenges)
    .where(and(...conditions))
    .orderBy(desc(challenges.createdAt), desc(challenges.id))
    .limit(filter.limit ?? 25);
}

/**
 * Closes an open challenge. `closedNow` is false when it was already closed,
 * so a repeated `/challenge close` does not award points twice.
 */
export async function closeChallenge(
  db: Database,
  challengeId: number,
): Promise<{ challenge: Challenge; closedNow: boolean } | undefined> {
  const [closed] = await db
    .update(challenges)
    .set({ status: 'closed', closedAt: sql`now()` })
    .where(and(eq(challenges.id, challengeId), eq(challenges.status, 'open')))
    .returning();
  if (closed !== undefined) return { challenge: closed, closedNow: true };
  const existing = await getChallenge(db, challengeId);
  return existing === undefined ? undefined : { challenge: existing, closedNow: false };
}

/** The secret prompt, only once the challenge is closed: what the bot may show. */
export function revealedSecretPrompt(challenge: Challenge): string | null {
  return challenge.status === 'closed' ? challenge.secretPrompt : null;
}
