/**
 * Challenges: a target image people and the machine find a prompt for.
 *
 * Creating one is two steps so nothing is stored for a challenge that never
 * got its thread: `prepare` checks the options, downloads and normalises the
 * image and computes the prompt space (in an engine thread), writing nothing;
 * `save` stores image, challenge and prompt space in one transaction, once the
 * caller knows where the challenge lives. `create` does both.
 */
import { closeChallenge, createChallenge, getChallenge, getChallengeByThread, listChallenges, revealedSecretPrompt } from '../../db/repositories/challenges.js';
import { getGuildSettings, upsertGuild } from '../../db/repositories/guilds.js';
import { storeImage } from '../../db/repositories/images.js';
import { upsertPlayer } from '../../db/repositories/players.js';
import { latestPromptSpaceForChallenge, savePromptSpace } from '../../db/repositories/promptSpaces.js';
import { listSubmissions } from '../../db/repositories/submissions.js';
import type { Challenge, ChallengeConfiguration, ChallengeStatus, GuildQuotas, PromptSpace } from '../../db/schema.js';
import type { TargetImage } from '../../engine/images/index.js';
import { HyperparameterError, type Hyperparameters, type PresetName, resolveHyperparameters } from '../../engine/training/hyperparameters.js';
import type { ChallengePromptSpace } from '../engine/protocol.js';
import { EngineTaskError } from '../engine/taskErrors.js';
import { UserFacingError } from '../interactions/errors.js';
import { type AttachmentInput, readTargetAttachment } from './attachments.js';
import type { GuildRef, PlayerRef, ServiceContext } from './context.js';
import { toUserFacing } from './engineErrors.js';
import { type LabelledEntry, labelChallengeBoard } from './leaderboards.js';
import { type ChallengeAward, awardChallengePoints } from './points.js';
import { providerConfigOf } from './providerChoice.js';
import { clip, singleLine } from './refusals.js';

export const DEFAULT_PRESET: PresetName = 'efficient';

/** What `/challenge create` may set; everything else comes from the preset and the guild's settings. */
export interface ChallengeOptions {
  readonly title?: string;
  /** T: words per prompt. */
  readonly length?: number;
  /** P: words in the prompt space. */
  readonly words?: number;
  readonly preset?: PresetName;
  /** λ for this challenge's runs; the guild's default when absent. */
  readonly voteWeight?: number;
  /** The prompt that drew the target, if the owner knows it: revealed when the challenge closes. */
  readonly secretPrompt?: string;
}

export interface PreparedChallenge {
  readonly guild: GuildRef;
  readonly owner: PlayerRef;
  readonly title: string;
  readonly secretPrompt: string | null;
  readonly configuration: ChallengeConfiguration;
  readonly target: TargetImage;
  readonly promptSpace: ChallengePromptSpace;
}

export interface SavedChallenge {
  readonly challenge: Challenge;
  readonly promptSpace: PromptSpace;
  /** The guild's guessing limits now, for the rules posted in the thread. */
  readonly quotas: GuildQuotas;
}

export interface ChallengeSummary {
  readonly challenge: Challenge;
  readonly guesses: number;
  readonly players: number;
  /** The best human prompt's mean similarity so far. */
  readonly bestMean: number | null;
}

export interface ClosedChallenge {
  readonly challenge: Challenge;
  /** False when it was already closed (points are never awarded twice either way). */
  readonly closedNow: boolean;
  readonly secretPrompt: string | null;
  readonly standings: LabelledEntry[];
  readonly awards: ChallengeAward[];
}

/** Where to find a challenge: by id, or the one whose thread the command ran in. */
export type ChallengeLocator = { readonly challengeId: number } | { readonly threadId: string };

export interface Actor {
  readonly id: string;
  /** Can manage messages or threads here (or administers the server). */
  readonly isModerator: boolean;
}

/** Same image, same captions: the prompt space is a function of the target. */
function seedFor(target: TargetImage): number {
  return Number.parseInt(target.sha256.slice(0, 8), 16);
}

export function createChallengeService(context: ServiceContext) {
  const { db, blobs, engine, limits } = context;

  function configurationFor(options: ChallengeOptions, guildVoteWeight: number): { configuration: ChallengeConfiguration; captions: number } {
    const preset = options.preset ?? DEFAULT_PRESET;
    let hyperparameters: Hyperparameters;
    try {
      hyperparameters = resolveHyperparameters(preset, {
        ...(options.length !== undefined ? { promptLength: options.length } : {}),
        ...(options.words !== undefined ? { words: options.words } : {}),
      });
    } catch (error) {
      if (error instanceof HyperparameterError) {
        // The engine names the knob `promptLength`; the command calls it `length`.
        throw new UserFacingError(error.message.replace('promptLength', 'length'), { cause: error });
      }
      throw error;
    }
    const voteWeight = options.voteWeight ?? guildVoteWeight;
    if (!(voteWeight >= 0 && voteWeight <= 1)) throw new UserFacingError(`vote_weight must be between 0 and 1 (got ${voteWeight}).`);
    return {
      configuration: { preset, promptLength: hyperparameters.promptLength, words: hyperparameters.words, voteWeight, evaluationImages: hyperparameters.evaluationImages },
      captions: hyperparameters.captions,
    };
  }

  async function prepare(
    input: { readonly guild: GuildRef; readonly owner: PlayerRef; readonly attachment: AttachmentInput; readonly options?: ChallengeOptions },
    signal?: AbortSignal,
  ): Promise<PreparedChallenge> {
    const options = input.options ?? {};
    const settings = await getGuildSettings(db, input.guild.id);
    const { configuration, captions } = configurationFor(options, settings.voteWeight);
    const title = clip(singleLine(options.title ?? ''), limits.maxTitleChars) || clip(`${singleLine(input.owner.displayName)}’s challenge`, limits.maxTitleChars);
    const secret = clip(singleLine(options.secretPrompt ?? ''), limits.maxSecretPromptChars);
    const providerConfig = providerConfigOf(settings);
    const target = await readTargetAttachment(input.attachment, limits);
    let promptSpace: ChallengePromptSpace;
    try {
      promptSpace = await engine.buildChallengePromptSpace(
        { targetPng: target.bytes, providerConfig, captions, words: configuration.words, promptLength: configuration.promptLength, seed: seedFor(target) },
        signal ? { signal } : {},
      );
    } catch (error) {
      if (error instanceof EngineTaskError && error.kind === 'prompt-space') {
        throw new UserFacingError(
          `The captions of this picture hold too few different words for ${configuration.promptLength}-word prompts; choose a smaller length, or a picture with more in it.`,
          { cause: error },
        );
      }
      throw toUserFacing(error, context.clock(), 'The prompt space could not be built: ');
    }
    return { guild: input.guild, owner: input.owner, title, secretPrompt: secret === '' ? null : secret, configuration, target, promptSpace };
  }

  async function save(prepared: PreparedChallenge, where: { readonly channelId?: string | null; readonly threadId?: string | null } = {}): Promise<SavedChallenge> {
    const saved = await db.transaction(async (tx) => {
      await upsertGuild(tx, prepared.guild);
      await upsertPlayer(tx, prepared.owner);
      const image = await storeImage(tx, blobs, prepared.target.bytes, { mime: 'image/png', width: prepared.target.width, height: prepared.target.height });
      const challenge = await createChallenge(tx, {
        ownerId: prepared.owner.id,
        guildId: prepared.guild.id,
        channelId: where.channelId ?? null,
        threadId: where.threadId ?? null,
        title: prepared.title,
        configuration: prepared.configuration,
        secretPrompt: prepared.secretPrompt,
        targetImageSha: image.sha256,
      });
      const promptSpace = await savePromptSpace(tx, {
        challengeId: challenge.id,
        targetImageSha: image.sha256,
        words: prepared.promptSpace.words,
        probabilities: prepared.promptSpace.probabilities,
        captions: prepared.promptSpace.captions,
        captionerId: prepared.promptSpace.captionerId,
      });
      return { challenge, promptSpace };
    });
    return { ...saved, quotas: (await getGuildSettings(db, prepared.guild.id)).quotas };
  }

  /** The challenge at `where`, if it belongs to this guild. */
  async function find(guildId: string, where: ChallengeLocator): Promise<Challenge | undefined> {
    const challenge = 'challengeId' in where ? await getChallenge(db, where.challengeId) : await getChallengeByThread(db, where.threadId);
    return challenge?.guildId === guildId ? challenge : undefined;
  }

  async function require(guildId: string, where: ChallengeLocator): Promise<Challenge> {
    const challenge = await find(guildId, where);
    if (challenge) return challenge;
    throw new UserFacingError(
      'challengeId' in where
        ? `There is no challenge #${where.challengeId} on this server; /challenge list shows them.`
        : 'This is not a challenge thread: run this inside the thread of a challenge (see /challenge list).',
    );
  }

  async function list(guildId: string, filter: { readonly status?: ChallengeStatus; readonly limit?: number } = {}): Promise<ChallengeSummary[]> {
    const challenges = await listChallenges(db, { guildId, ...(filter.status ? { status: filter.status } : {}), limit: filter.limit ?? 10 });
    return Promise.all(
      challenges.map(async (challenge) => {
        const submissions = await listSubmissions(db, challenge.id);
        return {
          challenge,
          guesses: submissions.length,
          players: new Set(submissions.map((submission) => submission.playerId)).size,
          bestMean: submissions[0]?.meanSimilarity ?? null,
        };
      }),
    );
  }

  async function close(input: { readonly guildId: string; readonly where: ChallengeLocator; readonly actor: Actor }): Promise<ClosedChallenge> {
    const challenge = await require(input.guildId, input.where);
    // The command's precondition already checked; this keeps the rule true for every caller.
    if (challenge.ownerId !== input.actor.id && !input.actor.isModerator) {
      throw new UserFacingError('Only the owner of this challenge or a moderator can close it.');
    }
    const result = await closeChallenge(db, challenge.id);
    if (!result) throw new UserFacingError(`Challenge #${challenge.id} no longer exists.`);
    const standings = await labelChallengeBoard(db, challenge.id);
    // Awards run on every close: their dedupe keys make a repeat a no-op and let a retry finish an interrupted one.
    const awards = await awardChallengePoints(db, result.challenge, standings);
    return { challenge: result.challenge, closedNow: result.closedNow, secretPrompt: revealedSecretPrompt(result.challenge), standings, awards };
  }

  return {
    prepare,
    save,
    /** `prepare` then `save`. */
    async create(
      input: Parameters<typeof prepare>[0] & { readonly channelId?: string | null; readonly threadId?: string | null },
      signal?: AbortSignal,
    ): Promise<SavedChallenge & { readonly prepared: PreparedChallenge }> {
      const prepared = await prepare(input, signal);
      return { ...(await save(prepared, { channelId: input.channelId ?? null, threadId: input.threadId ?? null })), prepared };
    },
    find,
    require,
    /** The owner of the challenge at `where`, for the owner-or-moderator precondition. */
    async ownerOf(guildId: string, where: ChallengeLocator): Promise<string | undefined> {
      return (await find(guildId, where))?.ownerId;
    },
    async promptSpaceOf(challengeId: number): Promise<PromptSpace | undefined> {
      return latestPromptSpaceForChallenge(db, challengeId);
    },
    list,
    close,
  };
}

export type ChallengeService = ReturnType<typeof createChallengeService>;
