/**
 * What every game service works with: the database, the image store, the
 * engine threads (all model inference), a clock, and the limits the bot
 * enforces. Services speak in plain data and throw `UserFacingError` for
 * refusals a player should read; they know nothing of Discord.
 */
import type { BlobStore } from '../../db/blobStore.js';
import type { Database } from '../../db/client.js';
import type { EngineThreads } from '../engine/engineThreads.js';

export interface GameLimits {
  /** Largest `/challenge create` attachment, in bytes (Discord's own upload limit without boosts: 10 MiB). */
  readonly maxAttachmentBytes: number;
  /** How long downloading an attachment may take, in milliseconds. */
  readonly downloadTimeoutMs: number;
  /** Side of the images a guess is judged on; `undefined`: the challenge preset's `imageSize`, as its runs use. */
  readonly evaluationImageSize: number | undefined;
  /** Longest `/guess` prompt, in characters. */
  readonly maxPromptChars: number;
  /** Longest challenge title, in characters (Discord's thread-name limit). */
  readonly maxTitleChars: number;
  /** Longest secret prompt, in characters. */
  readonly maxSecretPromptChars: number;
}

export const DEFAULT_GAME_LIMITS: GameLimits = {
  maxAttachmentBytes: 10 * 1024 * 1024,
  downloadTimeoutMs: 15_000,
  evaluationImageSize: undefined,
  maxPromptChars: 300,
  maxTitleChars: 100,
  maxSecretPromptChars: 300,
};

export type Clock = () => Date;

export interface ServiceContext {
  readonly db: Database;
  readonly blobs: BlobStore;
  readonly engine: EngineThreads;
  readonly clock: Clock;
  /** The bot's environment (which provider keys are set). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly limits: GameLimits;
}

/** A Discord server as services see it. */
export interface GuildRef {
  readonly id: string;
  readonly name: string;
}

/** A Discord user as services see it: their id and the name they go by there. */
export interface PlayerRef {
  readonly id: string;
  readonly displayName: string;
}
