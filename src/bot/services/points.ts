/**
 * Points for a closed challenge: the best prompt of the challenge (every
 * player tied at the top), and beating the learned prompt (every player whose
 * best prompt scored above the machine's best learned one). Each award has a
 * dedupe key in the ledger, so closing twice, or retrying a close that
 * stopped half-way, never awards anything twice.
 */
import type { Database } from '../../db/client.js';
import { awardPoints } from '../../db/repositories/pointsLedger.js';
import type { Challenge, PointReason } from '../../db/schema.js';
import type { LabelledEntry } from './leaderboards.js';

export const POINTS = {
  /** The best prompt of a challenge (ties share it). */
  bestPrompt: 10,
  /** A best prompt scoring above the machine's learned prompt. */
  beatMachine: 5,
} as const;

export interface ChallengeAward {
  readonly playerId: string;
  readonly displayName: string;
  readonly reason: Extract<PointReason, 'best-prompt' | 'beat-machine'>;
  readonly amount: number;
  /** False when the ledger already had it (an earlier close). */
  readonly awardedNow: boolean;
}

export function awardKey(reason: ChallengeAward['reason'], challengeId: number, playerId: string): string {
  return `${reason}:challenge:${challengeId}:player:${playerId}`;
}

/** Who earns what at the close of `challenge`, given its standings (one best entry per player and per method). */
export function challengeAwards(standings: readonly LabelledEntry[]): Array<Omit<ChallengeAward, 'awardedNow'>> {
  const humans = standings.filter((entry): entry is LabelledEntry & { playerId: string } => entry.kind === 'human' && entry.playerId !== undefined);
  if (humans.length === 0) return [];
  const best = Math.max(...humans.map((entry) => entry.mean));
  const learned = standings.filter((entry) => entry.kind === 'machine' && entry.method === 'learned').map((entry) => entry.mean);
  const machineBest = learned.length > 0 ? Math.max(...learned) : undefined;
  const awards: Array<Omit<ChallengeAward, 'awardedNow'>> = [];
  for (const entry of humans) {
    if (entry.mean === best) awards.push({ playerId: entry.playerId, displayName: entry.label, reason: 'best-prompt', amount: POINTS.bestPrompt });
  }
  if (machineBest !== undefined) {
    for (const entry of humans) {
      if (entry.mean > machineBest) awards.push({ playerId: entry.playerId, displayName: entry.label, reason: 'beat-machine', amount: POINTS.beatMachine });
    }
  }
  return awards;
}

export async function awardChallengePoints(db: Database, challenge: Challenge, standings: readonly LabelledEntry[]): Promise<ChallengeAward[]> {
  const results: ChallengeAward[] = [];
  for (const award of challengeAwards(standings)) {
    const awardedNow = await awardPoints(db, {
      playerId: award.playerId,
      amount: award.amount,
      reason: award.reason,
      guildId: challenge.guildId,
      challengeId: challenge.id,
      dedupeKey: awardKey(award.reason, challenge.id, award.playerId),
    });
    results.push({ ...award, awardedNow });
  }
  return results;
}
