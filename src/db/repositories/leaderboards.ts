/**
 * Leaderboards. Per challenge: each player's best prompt against the
 * machine's (the learned prompt and the baselines of completed runs), by
 * evaluated mean similarity. Per guild and global: players by points, with
 * their wins against the machine (challenges where their best prompt beat
 * the best learned prompt).
 */
import { and, asc, count, desc, eq, gt, isNotNull, max, or, sql, sum } from 'drizzle-orm';
import type { Database } from '../client.js';
import {
  challenges,
  type EvaluationMethod,
  humanSubmissions,
  players,
  pointsLedger,
  runEvaluations,
  runs,
} from '../schema.js';

interface ScoredPrompt {
  /** 1 for the best; equal scores share a rank. */
  rank: number;
  prompt: string;
  meanSimilarity: number;
  sdSimilarity: number;
  submittedAt: Date;
}

export type ChallengeLeaderboardEntry =
  | (ScoredPrompt & { kind: 'human'; playerId: string; displayName: string; submissionId: number })
  | (ScoredPrompt & { kind: 'machine'; method: EvaluationMethod; runId: number });

/** Best first: every player's best submission and, per method, the machine's best evaluated prompt. */
export async function challengeLeaderboard(db: Database, challengeId: number): Promise<ChallengeLeaderboardEntry[]> {
  const humans = await db
    .selectDistinctOn([humanSubmissions.playerId], {
      playerId: humanSubmissions.playerId,
      displayName: players.displayName,
      submissionId: humanSubmissions.id,
      prompt: humanSubmissions.prompt,
      meanSimilarity: humanSubmissions.meanSimilarity,
      sdSimilarity: humanSubmissions.sdSimilarity,
      submittedAt: humanSubmissions.createdAt,
    })
    .from(humanSubmissions)
    .innerJoin(players, eq(players.id, humanSubmissions.playerId))
    .where(eq(humanSubmissions.challengeId, challengeId))
    .orderBy(humanSubmissions.playerId, desc(humanSubmissions.meanSimilarity), asc(humanSubmissions.createdAt), asc(humanSubmissions.id));

  const machines = await db
    .selectDistinctOn([runEvaluations.method], {
      method: runEvaluations.method,
      runId: runEvaluations.runId,
      prompt: runEvaluations.prompt,
      meanSimilarity: runEvaluations.meanSimilarity,
      sdSimilarity: runEvaluations.sdSimilarity,
      submittedAt: runEvaluations.createdAt,
    })
    .from(runEvaluations)
    .innerJoin(runs, eq(runs.id, runEvaluations.runId))
    .where(and(eq(runs.challengeId, challengeId), eq(runs.status, 'completed')))
    .orderBy(runEvaluations.method, desc(runEvaluations.meanSimilarity), asc(runEvaluations.createdAt), asc(runEvaluations.id));

  const entries = [
    ...humans.map((entry) => ({ ...entry, kind: 'human' as const, rank: 0 })),
    ...machines.map((entry) => ({ ...entry, kind: 'machine' as const, rank: 0 })),
  ].sort(
    (a, b) =>
      b.meanSimilarity - a.meanSimilarity ||
      a.submittedAt.getTime() - b.submittedAt.getTime() ||
      (a.kind === b.kind ? 0 : a.kind === 'human' ? -1 : 1),
  );
  return withRanks(entries, (entry) => entry.meanSimilarity);
}

/** The player's place on the challenge's leaderboard, `undefined` before their first submission. */
export async function playerRankInChallenge(
  db: Database,
  challengeId: number,
  playerId: string,
): Promise<{ rank: number; of: number } | undefined> {
  const board = await challengeLeaderboard(db, challengeId);
  const mine = board.find((entry) => entry.kind === 'human' && entry.playerId === playerId);
  return mine === undefined ? undefined : { rank: mine.rank, of: board.length };
}

export interface PlayerStanding {
  rank: number;
  playerId: string;
  displayName: string;
  points: number;
  winsAgainstMachine: number;
}

/** Players of the guild by points earned there, then wins against the machine there. */
export async function guildLeaderboard(db: Database, guildId: string, limit = 10): Promise<PlayerStanding[]> {
  return playerStandings(db, guildId, limit);
}

/** All players by points, then wins against the machine. */
export async function globalLeaderboard(db: Database, limit = 10): Promise<PlayerStanding[]> {
  return playerStandings(db, undefined, limit);
}

async function playerStandings(db: Database, guildId: string | undefined, limit: number): Promise<PlayerStanding[]> {
  const inGuild = guildId === undefined ? undefined : eq(challenges.guildId, guildId);

  const machineBest = db.$with('machine_best').as(
    db
      .select({ challengeId: runs.challengeId, best: max(runEvaluations.meanSimilarity).as('machine_best_score') })
      .from(runEvaluations)
      .innerJoin(runs, eq(runs.id, runEvaluations.runId))
      .where(and(eq(runEvaluations.method, 'learned'), eq(runs.status, 'completed'), isNotNull(runs.challengeId)))
      .groupBy(runs.challengeId),
  );
  const humanBest = db.$with('human_best').as(
    db
      .select({
        playerId: humanSubmissions.playerId,
        challengeId: humanSubmissions.challengeId,
        best: max(humanSubmissions.meanSimilarity).as('human_best_score'),
      })
      .from(humanSubmissions)
      .innerJoin(challenges, eq(challenges.id, humanSubmissions.challengeId))
      .where(inGuild)
      .groupBy(humanSubmissions.playerId, humanSubmissions.challengeId),
  );
  const wins = db.$with('wins').as(
    db
      .select({ playerId: humanBest.playerId, wins: count().as('win_count') })
      .from(humanBest)
      .innerJoin(machineBest, eq(machineBest.challengeId, humanBest.challengeId))
      .where(gt(humanBest.best, machineBest.best))
      .groupBy(humanBest.playerId),
  );
  const earned = db.$with('earned').as(
    db
      .select({ playerId: pointsLedger.playerId, points: sum(pointsLedger.amount).as('earned_points') })
      .from(pointsLedger)
      .where(guildId === undefined ? undefined : eq(pointsLedger.guildId, guildId))
      .groupBy(pointsLedger.playerId),
  );

  // Aggregate aliases come out unqualified in SQL, so they are named apart from every table column.
  const points = sql<number>`coalesce(${earned.points}, 0)`.mapWith(Number);
  const winsAgainstMachine = sql<number>`coalesce(${wins.wins}, 0)`.mapWith(Number);
  const rows = await db
    .with(machineBest, humanBest, wins, earned)
    .select({ playerId: players.id, displayName: players.displayName, points, winsAgainstMachine })
    .from(players)
    .leftJoin(earned, eq(earned.playerId, players.id))
    .leftJoin(wins, eq(wins.playerId, players.id))
    .where(or(isNotNull(earned.playerId), isNotNull(wins.playerId)))
    .orderBy(desc(points), desc(winsAgainstMachine), asc(players.displayName), asc(players.id))
    .limit(limit);
  return withRanks(
    rows.map((row) => ({ ...row, rank: 0 })),
    (row) => `${row.points}:${row.winsAgainstMachine}`,
  );
}

/** Competition ranking over an already sorted list: 1, 2, 2, 4… */
function withRanks<T extends { rank: number }>(sorted: T[], score: (item: T) => number | string): T[] {
  sorted.forEach((item, index) => {
    const previous = sorted[index - 1];
    item.rank = previous !== undefined && score(previous) === score(item) ? previous.rank : index + 1;
  });
  return sorted;
}
