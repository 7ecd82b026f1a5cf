/**
 * Leaderboards with names on them. Per challenge, players' best prompts next
 * to the machine's: its learned prompt and the baselines of completed runs,
 * each an entry of its own ("🤖 the machine (learned)"). Per server, players
 * by points and wins against the machine.
 */
import { challengeLeaderboard, guildLeaderboard, type PlayerStanding } from '../../db/repositories/leaderboards.js';
import type { Database } from '../../db/client.js';
import type { Challenge, EvaluationMethod } from '../../db/schema.js';
import type { ServiceContext } from './context.js';
import type { ChallengeLocator, ChallengeService } from './challenges.js';

export const MACHINE_LABELS: Record<EvaluationMethod, string> = {
  learned: '🤖 the machine (learned)',
  greedy: '🤖 greedy CLIP words',
  caption: '🤖 best caption',
  random: '🤖 random search',
  exhaustive: '🤖 exhaustive search',
};

export interface LabelledEntry {
  /** 1 for the best; equal scores share a rank. */
  readonly rank: number;
  /** A player's display name, or the machine's method label. */
  readonly label: string;
  readonly prompt: string;
  readonly mean: number;
  readonly sd: number;
  readonly kind: 'human' | 'machine';
  /** Set for human entries. */
  readonly playerId?: string;
  /** Set for machine entries. */
  readonly method?: EvaluationMethod;
}

export async function labelChallengeBoard(db: Database, challengeId: number): Promise<LabelledEntry[]> {
  const entries = await challengeLeaderboard(db, challengeId);
  return entries.map((entry) =>
    entry.kind === 'human'
      ? { rank: entry.rank, label: entry.displayName, prompt: entry.prompt, mean: entry.meanSimilarity, sd: entry.sdSimilarity, kind: 'human', playerId: entry.playerId }
      : { rank: entry.rank, label: MACHINE_LABELS[entry.method], prompt: entry.prompt, mean: entry.meanSimilarity, sd: entry.sdSimilarity, kind: 'machine', method: entry.method },
  );
}

export interface ChallengeBoard {
  readonly challenge: Challenge;
  readonly entries: LabelledEntry[];
}

export function createLeaderboardService(context: ServiceContext, challenges: ChallengeService) {
  return {
    async challengeBoard(guildId: string, where: ChallengeLocator, limit = 10): Promise<ChallengeBoard> {
      const challenge = await challenges.require(guildId, where);
      return { challenge, entries: (await labelChallengeBoard(context.db, challenge.id)).slice(0, limit) };
    },
    async serverBoard(guildId: string, limit = 10): Promise<PlayerStanding[]> {
      return guildLeaderboard(context.db, guildId, limit);
    },
  };
}

export type LeaderboardService = ReturnType<typeof createLeaderboardService>;
