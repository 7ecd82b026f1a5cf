/**
 * `/guess`: a player's own prompt for a challenge, judged exactly as the
 * machine's prompts are (K images on the fixed evaluation seeds, mean ± sd
 * similarity, in an engine thread), recorded, and ranked against everyone's
 * best, the machine's included.
 *
 * Limits come from the guild's settings: guesses per player per challenge,
 * a cooldown between guesses, and, for paid generators, the monthly spending
 * cap. A refusal says when the player can try again.
 */
import { getGuildSettings, guildSpendingSince } from '../../db/repositories/guilds.js';
import { readImage, storeImage } from '../../db/repositories/images.js';
import { playerRankInChallenge } from '../../db/repositories/leaderboards.js';
import { upsertPlayer } from '../../db/repositories/players.js';
import { bestSubmission, recordSubmission, submissionActivity } from '../../db/repositories/submissions.js';
import type { Challenge, HumanSubmission } from '../../db/schema.js';
import { PRESETS } from '../../engine/training/hyperparameters.js';
import type { GuessEvaluation } from '../engine/protocol.js';
import { UserFacingError } from '../interactions/errors.js';
import type { ChallengeLocator, ChallengeService } from './challenges.js';
import type { GuildRef, PlayerRef, ServiceContext } from './context.js';
import { toUserFacing } from './engineErrors.js';
import { isFreeGenerator, providerConfigOf } from './providerChoice.js';
import { clip, formatWait, RetryLaterError, singleLine } from './refusals.js';

export interface GuessInput {
  readonly guild: GuildRef;
  readonly where: ChallengeLocator;
  readonly player: PlayerRef;
  readonly prompt: string;
}

export interface GuessResult {
  readonly challenge: Challenge;
  readonly submission: HumanSubmission;
  /** The prompt as judged (one line, trimmed). */
  readonly prompt: string;
  readonly mean: number;
  readonly sd: number;
  readonly similarities: number[];
  /** The K images, in seed order. */
  readonly images: Uint8Array[];
  /** The player's place on the challenge's leaderboard (their best guess counts). */
  readonly rank: { readonly rank: number; readonly of: number };
  /** Whether this guess is now the player's best for the challenge. */
  readonly personalBest: boolean;
  readonly attemptsUsed: number;
  readonly attemptsAllowed: number;
}

/** The first instant of the next UTC month. */
function nextMonthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export function createGuessService(context: ServiceContext, challenges: ChallengeService) {
  const { db, blobs, engine, limits, clock } = context;
  /** Guesses being judged now, by `challenge:player`: a second one waits for the first (this process owns its guilds' shard). */
  const inFlight = new Set<string>();

  function cleanPrompt(raw: string): string {
    const prompt = singleLine(raw);
    if (prompt === '') throw new UserFacingError('Your prompt is empty: write a few words that describe the picture.');
    const length = [...prompt].length;
    if (length > limits.maxPromptChars) {
      throw new UserFacingError(`Your prompt is ${length} characters long; the limit is ${limits.maxPromptChars}. Shorten it and try again.`);
    }
    return prompt;
  }

  async function checkLimits(challenge: Challenge, player: PlayerRef, now: Date, quota: { guesses: number; cooldownSeconds: number }): Promise<number> {
    if (quota.guesses === 0) throw new UserFacingError('Guessing is turned off on this server (an administrator can change it with /settings set).');
    const activity = await submissionActivity(db, { playerId: player.id, challengeId: challenge.id });
    if (activity.count >= quota.guesses) {
      const best = await bestSubmission(db, { playerId: player.id, challengeId: challenge.id });
      const kept = best ? ` Your best, ${best.meanSimilarity.toFixed(3)}, stays on the leaderboard.` : '';
      throw new UserFacingError(`You have used all ${quota.guesses} of your guesses on this challenge.${kept}`);
    }
    if (activity.lastAt !== null && quota.cooldownSeconds > 0) {
      const retryAt = new Date(activity.lastAt.getTime() + quota.cooldownSeconds * 1000);
      if (retryAt.getTime() > now.getTime()) {
        throw new RetryLaterError(`Slow down: you can guess again in ${formatWait(now.getTime(), retryAt.getTime())}.`, retryAt);
      }
    }
    return activity.count;
  }

  async function spendingRoom(guildId: string, cap: number | null, now: Date): Promise<number | undefined> {
    if (cap === null) return undefined;
    const spent = await guildSpendingSince(db, guildId, monthStart(now));
    const room = cap - spent;
    if (room <= 0) {
      const retryAt = nextMonthStart(now);
      throw new RetryLaterError(
        `This server has spent its monthly image budget ($${cap.toFixed(2)}); guesses resume on ${retryAt.toISOString().slice(0, 10)} (UTC), or when an administrator raises the cap.`,
        retryAt,
      );
    }
    return room;
  }

  async function submit(input: GuessInput, signal?: AbortSignal): Promise<GuessResult> {
    const prompt = cleanPrompt(input.prompt);
    const challenge = await challenges.require(input.guild.id, input.where);
    if (challenge.status !== 'open') throw new UserFacingError(`Challenge #${challenge.id} is closed; /challenge list shows the open ones.`);
    const key = `${challenge.id}:${input.player.id}`;
    if (inFlight.has(key)) throw new UserFacingError('Your previous guess is still being judged; wait for its result first.');
    inFlight.add(key);
    try {
      const now = clock();
      const settings = await getGuildSettings(db, input.guild.id);
      const quota = { guesses: settings.quotas.guessesPerPlayerPerChallenge, cooldownSeconds: settings.quotas.guessCooldownSeconds };
      const used = await checkLimits(challenge, input.player, now, quota);
      const providerConfig = providerConfigOf(settings);
      const maxCostUsd = isFreeGenerator(providerConfig.generator) ? undefined : await spendingRoom(input.guild.id, settings.spendingCapUsd, now);
      const target = await readImage(db, blobs, challenge.targetImageSha);
      if (!target) throw new Error(`challenge ${challenge.id}: target image ${challenge.targetImageSha} is missing from the store`);
      const previousBest = await bestSubmission(db, { playerId: input.player.id, challengeId: challenge.id });

      let evaluation: GuessEvaluation;
      try {
        evaluation = await engine.evaluateGuess(
          {
            targetPng: target.bytes,
            prompt,
            providerConfig,
            k: challenge.configuration.evaluationImages,
            imageSize: limits.evaluationImageSize ?? PRESETS[challenge.configuration.preset].imageSize,
            ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
          },
          signal ? { signal } : {},
        );
      } catch (error) {
        throw toUserFacing(error, clock(), `“${clip(prompt, 80)}” could not be judged: `);
      }

      const imageShas: string[] = [];
      for (const bytes of evaluation.images) imageShas.push((await storeImage(db, blobs, bytes)).sha256);
      await upsertPlayer(db, input.player);
      const submission = await recordSubmission(db, {
        playerId: input.player.id,
        challengeId: challenge.id,
        prompt,
        imageShas,
        meanSimilarity: evaluation.mean,
        sdSimilarity: evaluation.sd,
        costUsd: evaluation.costUsd,
      });
      const rank = await playerRankInChallenge(db, challenge.id, input.player.id);
      return {
        challenge,
        submission,
        prompt,
        mean: evaluation.mean,
        sd: evaluation.sd,
        similarities: evaluation.similarities,
        images: evaluation.images,
        rank: rank ?? { rank: 1, of: 1 },
        personalBest: previousBest === undefined || evaluation.mean > previousBest.meanSimilarity,
        attemptsUsed: used + 1,
        attemptsAllowed: quota.guesses,
      };
    } finally {
      inFlight.delete(key);
    }
  }

  return { submit };
}

export type GuessService = ReturnType<typeof createGuessService>;
