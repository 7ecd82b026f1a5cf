/** `/profile`: a player's points, wins and best prompts on one server. */
import {
  countAwards,
  getPlayer,
  learnedBestByChallenge,
  type PlayerBestPrompt,
  playerActivity,
  playerBestPrompts,
  playerPoints,
} from '../../db/index.js';
import type { ServiceContext } from './context.js';

export interface Profile {
  readonly playerId: string;
  /** As last seen by the bot; `undefined` for someone who never played. */
  readonly displayName: string | undefined;
  readonly pointsHere: number;
  readonly pointsEverywhere: number;
  /** Challenges closed with this player's prompt the best. */
  readonly challengesWon: number;
  /** Challenges where this player's best prompt scored above the machine's learned prompt. */
  readonly machineBeaten: number;
  readonly guesses: number;
  readonly challengesPlayed: number;
  /** Best first, one per challenge. */
  readonly bestPrompts: PlayerBestPrompt[];
}

export function createProfileService(context: ServiceContext) {
  const { db } = context;
  return {
    async profile(guildId: string, playerId: string, options: { readonly bestPrompts?: number } = {}): Promise<Profile> {
      const who = { playerId, guildId };
      const [player, pointsHere, pointsEverywhere, activity, best, challengesWon] = await Promise.all([
        getPlayer(db, playerId),
        playerPoints(db, playerId, guildId),
        playerPoints(db, playerId),
        playerActivity(db, who),
        playerBestPrompts(db, who),
        countAwards(db, { ...who, reason: 'best-prompt' }),
      ]);
      const machine = await learnedBestByChallenge(db, best.map((entry) => entry.challengeId));
      const machineBeaten = best.filter((entry) => {
        const learned = machine.get(entry.challengeId);
        return learned !== undefined && entry.mean > learned;
      }).length;
      return {
        playerId,
        displayName: player?.displayName,
        pointsHere,
        pointsEverywhere,
        challengesWon,
        machineBeaten,
        guesses: activity.guesses,
        challengesPlayed: activity.challenges,
        bestPrompts: best.slice(0, options.bestPrompts ?? 3),
      };
    },
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
