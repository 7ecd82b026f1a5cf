/**
 * The game's services (everything `/challenge`, `/guess`, `/leaderboard`,
 * `/profile` and `/settings` do), composed over one database, image store and
 * engine thread pool. The bot's entry point creates them once.
 */
import type { BlobStore } from '../../db/blobStore.js';
import type { Database } from '../../db/client.js';
import type { EngineThreads } from '../engine/engineThreads.js';
import { type ChallengeService, createChallengeService } from './challenges.js';
import { type Clock, DEFAULT_GAME_LIMITS, type GameLimits, type ServiceContext } from './context.js';
import { createGuessService, type GuessService } from './guesses.js';
import { createLeaderboardService, type LeaderboardService } from './leaderboards.js';
import { createProfileService, type ProfileService } from './profiles.js';
import { createSettingsService, type SettingsService } from './settings.js';

export interface GameServices {
  readonly challenges: ChallengeService;
  readonly guesses: GuessService;
  readonly leaderboards: LeaderboardService;
  readonly profiles: ProfileService;
  readonly settings: SettingsService;
  readonly engine: EngineThreads;
}

export interface GameServiceDeps {
  readonly db: Database;
  readonly blobs: BlobStore;
  readonly engine: EngineThreads;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** The bot's environment (which provider keys are set). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly limits?: Partial<GameLimits>;
}

export function createPartAServices(deps: GameServiceDeps): GameServices {
  const context: ServiceContext = {
    db: deps.db,
    blobs: deps.blobs,
    engine: deps.engine,
    clock: deps.clock ?? (() => new Date()),
    env: deps.env,
    limits: { ...DEFAULT_GAME_LIMITS, ...deps.limits },
  };
  const challenges = createChallengeService(context);
  return {
    challenges,
    guesses: createGuessService(context, challenges),
    leaderboards: createLeaderboardService(context, challenges),
    profiles: createProfileService(context),
    settings: createSettingsService(context),
    engine: deps.engine,
  };
}

export type { GameLimits } from './context.js';
