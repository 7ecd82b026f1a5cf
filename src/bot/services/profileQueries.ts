/**
 * The queries `/profile` needs that the repositories do not have yet: a
 * player's best prompts, activity and awards within one server. Named
 * functions over drizzle, like `src/db/repositories/*` (where they could move).
 */
import { and, count, countDistinct, desc, eq, inArray, max } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { challenges, humanSubmissions, type PointReason, pointsLedger, runEvaluations, runs } from '../../db/schema.js';

export interface BestPrompt {
  readonly challengeId: number;
  readonly title: string;
  readonly prompt: string;
  readonly mean: number;
  readonly sd: number;
}

/** The player's best prompt in each challenge of the guild, best first. */
export async function playerBestPrompts(db: Database, who: { playerId: string; guildId: string }): Promise<BestPrompt[]> {
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

/** Guesses made and challenges played in the guild. */
export async function playerActivity(db: Database, who: { playerId: string; guildId: string }): Promise<{ guesses: number; challenges: number }> {
  const [row] = await db
    .select({ guesses: count(), challenges: countDistinct(humanSubmissions.challengeId) })
    .from(humanSubmissions)
    .innerJoin(challenges, eq(challenges.id, humanSubmissions.challengeId))
    .where(and(eq(humanSubmissions.playerId, who.playerId), eq(challenges.guildId, who.guildId)));
  return { guesses: row?.guesses ?? 0, challenges: row?.challenges ?? 0 };
}

/** The machine's best learned score per challenge, over completed runs. */
export async function learnedBestByChallenge(db: Database, challengeIds: readonly number[]): Promise<Map<number, number>> {
  if (challengeIds.length === 0) return new Map();
  const rows = await db
    .select({ challengeId: runs.challengeId, best: max(runEvaluations.meanSimilarity) })
    .from(runEvaluations)
    .innerJoin(runs, eq(runs.id, runEvaluations.runId))
    .where(and(eq(runEvaluations.method, 'learned'), eq(runs.status, 'completed'), inArray(runs.challengeId, [...challengeIds])))
    .groupBy(runs.challengeId);
  return new Map(rows.flatMap((row) => (row.challengeId !== null && row.best !== null ? [[row.challengeId, row.best] as const] : [])));
}

/** How many awards of `reason` the player has in the guild. */
export async function countAwards(db: Database, who: { playerId: string; guildId: string; reason: PointReason }): Promise<number> {
  const [row] = await db
    .select({ awards: count() })
    .from(pointsLedger)
    .where(and(eq(pointsLedger.playerId, who.playerId), eq(pointsLedger.guildId, who.guildId), eq(pointsLedger.reason, who.reason)));
  return row?.awards ?? 0;
}
