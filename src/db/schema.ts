/**
 * The database schema, in the order tables → relations → inferred types.
 * Table names are plural snake_case, keys camelCase. Tables are declared
 * without a PostgreSQL schema so `search_path` decides where they live
 * (the test harness isolates each suite in a schema of its own).
 *
 * Image bytes are never stored here: `images` holds metadata keyed by the
 * sha256 of the bytes, and a `BlobStore` holds the bytes.
 */
import { relations, sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import type { Hyperparameters, PresetName } from '../engine/training/hyperparameters.js';

// ── JSON column shapes ──────────────────────────────────────────────────────

/** Any value `JSON.stringify` round-trips. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Per-guild limits the bot enforces. */
export interface GuildQuotas {
  /** Runs one user may start per UTC day. */
  runsPerUserPerDay: number;
  /** `/guess` attempts one player may make per challenge. */
  guessesPerPlayerPerChallenge: number;
  /** Seconds a player waits between two `/guess` commands. */
  guessCooldownSeconds: number;
  /** Runs queued or running at once for one user. */
  concurrentRunsPerUser: number;
  /** Runs queued or running at once in one guild. */
  concurrentRunsPerGuild: number;
}

/** What a guild's administrators set with `/settings`. */
export interface GuildSettings {
  /** Image generator provider id, e.g. `shapes`, `replicate`, `openai`. */
  generator: string;
  /** Model id for that generator, e.g. `shapes-world@1`, `dall-e-3`. */
  model: string;
  /** λ: default weight of human votes in the reward for new challenges, in [0, 1]. */
  voteWeight: number;
  quotas: GuildQuotas;
  /** Money the guild may spend per UTC month, in US dollars (`null`: no cap). */
  spendingCapUsd: number | null;
}

/** How a challenge was set up; fixed when it is created. */
export interface ChallengeConfiguration {
  /** Preset its runs start from. */
  preset: PresetName;
  /** T: words per prompt. */
  promptLength: number;
  /** P: words in the prompt space. */
  words: number;
  /** λ for runs of this challenge, in [0, 1]. */
  voteWeight: number;
  /** K: images per prompt when scoring a guess or a learned prompt. */
  evaluationImages: number;
}

/**
 * Everything a run needs to resume exactly: the engine owns the encoding of
 * each part (e.g. base64 Float32 weights); the database only keeps it.
 */
export interface RunCheckpoint {
  /** Iterations completed when the checkpoint was taken. */
  iteration: number;
  policyWeights: JsonValue;
  optimizerState: JsonValue;
  rngState: JsonValue;
  /** Anything else the trainer wants back (best prompt so far, patience counter…). */
  trainerState?: JsonValue;
}

export const CHALLENGE_STATUSES = ['open', 'closed'] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'budget'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses a run never leaves. */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'budget'];

export const EVALUATION_METHODS = ['learned', 'greedy', 'caption', 'random', 'exhaustive'] as const;
export type EvaluationMethod = (typeof EVALUATION_METHODS)[number];

export const POINT_REASONS = ['beat-machine', 'best-prompt', 'vote', 'adjustment'] as const;
export type PointReason = (typeof POINT_REASONS)[number];

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
/** `"column" in ('a', 'b')` for a check constraint over a fixed list of strings. */
const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`"${column}" in (${values.map((value) => `'${value}'`).join(', ')})`);

// ── Tables ──────────────────────────────────────────────────────────────────

/** A Discord server. `id` is the Discord guild snowflake. */
export const guilds = pgTable('guilds', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  settings: jsonb('settings').$type<GuildSettings>().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A person who plays. `id` is the Discord user snowflake; `points` is the total of their ledger rows. */
export const players = pgTable(
  'players',
  {
    id: text('id').primaryKey(),
    displayName: text('display_name').notNull(),
    points: integer('points').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('players_points_idx').on(t.points)],
);

/** Image metadata, content-addressed: `sha256` is the hex digest of the bytes kept in the blob store. */
export const images = pgTable(
  'images',
  {
    sha256: text('sha256').primaryKey(),
    mime: text('mime').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    byteSize: integer('byte_size').notNull(),
    createdAt: createdAt(),
  },
  (t) => [check('images_sha256_hex', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`)],
);

/** A target image posted for people and the machine to find a prompt for. */
export const challenges = pgTable(
  'challenges',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => players.id),
    guildId: text('guild_id').references(() => guilds.id),
    channelId: text('channel_id'),
    threadId: text('thread_id'),
    status: text('status', { enum: CHALLENGE_STATUSES }).notNull().default('open'),
    title: text('title').notNull(),
    configuration: jsonb('configuration').$type<ChallengeConfiguration>().notNull(),
    /** The prompt that drew the target, if the owner knows it: hidden until the challenge closes. */
    secretPrompt: text('secret_prompt'),
    targetImageSha: text('target_image_sha')
      .notNull()
      .references(() => images.sha256),
    createdAt: createdAt(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [
    check('challenges_status', oneOf('status', CHALLENGE_STATUSES)),
    unique('challenges_thread_id_unique').on(t.threadId),
    index('challenges_guild_status_idx').on(t.guildId, t.status),
    index('challenges_owner_idx').on(t.ownerId),
  ],
);

/** The words a captioner suggested for a target image, with their probabilities. */
export const promptSpaces = pgTable(
  'prompt_spaces',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    challengeId: integer('challenge_id').references(() => challenges.id, { onDelete: 'cascade' }),
    targetImageSha: text('target_image_sha')
      .notNull()
      .references(() => images.sha256),
    words: jsonb('words').$type<string[]>().notNull(),
    probabilities: jsonb('probabilities').$type<number[]>().notNull(),
    captions: jsonb('captions').$type<string[]>().notNull(),
    captionerId: text('captioner_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('prompt_spaces_challenge_idx').on(t.challengeId)],
);

/** One training run: a durable job that learns a prompt for a target image. */
export const runs = pgTable(
  'runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** `null` for runs started from the CLI outside any challenge. */
    challengeId: integer('challenge_id').references(() => challenges.id, { onDelete: 'cascade' }),
    requestedBy: text('requested_by').references(() => players.id),
    targetImageSha: text('target_image_sha')
      .notNull()
      .references(() => images.sha256),
    promptSpaceId: integer('prompt_space_id').references(() => promptSpaces.id),
    preset: text('preset').$type<PresetName>().notNull(),
    hyperparameters: jsonb('hyperparameters').$type<Hyperparameters>().notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('queued'),
    /** Iterations completed (the checkpoint's iteration). */
    iteration: integer('iteration').notNull().default(0),
    checkpoint: jsonb('checkpoint').$type<RunCheckpoint>(),
    generationsUsed: integer('generations_used').notNull().default(0),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    error: text('error'),
    learnedPrompt: text('learned_prompt'),
    learnedReward: doublePrecision('learned_reward'),
    /** Worker holding the run while it is `running`; with `heartbeatAt` it lets another worker take over a dead one's run. */
    workerId: text('worker_id'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    /** Number of the run's latest event in `run_events`; bumping it serialises appends. */
    lastEventSeq: integer('last_event_seq').notNull().default(0),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('runs_status', oneOf('status', RUN_STATUSES)),
    index('runs_status_created_idx').on(t.status, t.createdAt),
    index('runs_challenge_idx').on(t.challengeId),
    index('runs_requested_by_idx').on(t.requestedBy, t.createdAt),
  ],
);

/** A finished episode: the prompt it sampled and its rewards. */
export const episodes = pgTable(
  'episodes',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull(),
    episode: integer('episode').notNull(),
    words: jsonb('words').$type<string[]>().notNull(),
    prompt: text('prompt').notNull(),
    rewards: jsonb('rewards').$type<number[]>().notNull(),
    episodeReturn: doublePrecision('episode_return').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('episodes_run_iteration_episode_unique').on(t.runId, t.iteration, t.episode)],
);

/** One pick of one word in one episode; written idempotently so a resumed run never duplicates a step. */
export const steps = pgTable(
  'steps',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull(),
    episode: integer('episode').notNull(),
    step: integer('step').notNull(),
    /** Words picked so far, in order. */
    words: jsonb('words').$type<string[]>().notNull(),
    prompt: text('prompt').notNull(),
    seed: integer('seed'),
    /** `null` for steps that drew no image (reward at the final step only). */
    imageSha: text('image_sha').references(() => images.sha256),
    similarity: doublePrecision('similarity'),
    humanScore: doublePrecision('human_score'),
    reward: doublePrecision('reward'),
    cached: boolean('cached').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    unique('steps_run_iteration_episode_step_unique').on(t.runId, t.iteration, t.episode, t.step),
    index('steps_image_idx').on(t.imageSha),
  ],
);

/** The engine's progress events for a run, numbered so another process can follow from any point. */
export const runEvents = pgTable(
  'run_events',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… per run. */
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<JsonValue>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('run_events_run_seq_unique').on(t.runId, t.seq)],
);

/** Evaluated prompts of a run: the learned one and the baselines, each scored on K images. */
export const runEvaluations = pgTable(
  'run_evaluations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    method: text('method', { enum: EVALUATION_METHODS }).notNull(),
    prompt: text('prompt').notNull(),
    meanSimilarity: doublePrecision('mean_similarity').notNull(),
    sdSimilarity: doublePrecision('sd_similarity').notNull(),
    imageShas: jsonb('image_shas').$type<string[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    check('run_evaluations_method', oneOf('method', EVALUATION_METHODS)),
    unique('run_evaluations_run_method_prompt_unique').on(t.runId, t.method, t.prompt),
  ],
);

/** Generated images by generation-cache key (sha256 of generator, model, prompt, seed, size). */
export const generationCache = pgTable(
  'generation_cache',
  {
    key: text('key').primaryKey(),
    imageSha: text('image_sha')
      .notNull()
      .references(() => images.sha256),
    generator: text('generator'),
    model: text('model').notNull(),
    prompt: text('prompt'),
    seed: integer('seed'),
    width: integer('width'),
    height: integer('height'),
    /** What the image cost when it was first generated, in US dollars. */
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('generation_cache_image_idx').on(t.imageSha)],
);

/** A player's own prompt for a challenge, scored on K generated images. */
export const humanSubmissions = pgTable(
  'human_submissions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    playerId: text('player_id')
      .notNull()
      .references(() => players.id),
    challengeId: integer('challenge_id')
      .notNull()
      .references(() => challenges.id, { onDelete: 'cascade' }),
    prompt: text('prompt').notNull(),
    imageShas: jsonb('image_shas').$type<string[]>().notNull(),
    meanSimilarity: doublePrecision('mean_similarity').notNull(),
    sdSimilarity: doublePrecision('sd_similarity').notNull(),
    /** What generating the evaluation images cost, in US dollars (counts against the guild's spending cap). */
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('human_submissions_challenge_idx').on(t.challengeId, t.meanSimilarity),
    index('human_submissions_player_challenge_idx').on(t.playerId, t.challengeId, t.createdAt),
  ],
);

/** One vote per player per image; casting again changes it. `score` is in [0, 1] (thumbs down 0, up 1). */
export const votes = pgTable(
  'votes',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    playerId: text('player_id')
      .notNull()
      .references(() => players.id),
    imageSha: text('image_sha')
      .notNull()
      .references(() => images.sha256),
    score: doublePrecision('score').notNull(),
    challengeId: integer('challenge_id').references(() => challenges.id, { onDelete: 'cascade' }),
    runId: integer('run_id').references(() => runs.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('votes_player_image_unique').on(t.playerId, t.imageSha),
    index('votes_image_updated_idx').on(t.imageSha, t.updatedAt),
    check('votes_score_range', sql`${t.score} >= 0 and ${t.score} <= 1`),
  ],
);

/** Every change to a player's points, with why. `dedupeKey` makes an award happen at most once. */
export const pointsLedger = pgTable(
  'points_ledger',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    playerId: text('player_id')
      .notNull()
      .references(() => players.id),
    guildId: text('guild_id').references(() => guilds.id),
    challengeId: integer('challenge_id').references(() => challenges.id, { onDelete: 'set null' }),
    amount: integer('amount').notNull(),
    reason: text('reason', { enum: POINT_REASONS }).notNull(),
    dedupeKey: text('dedupe_key'),
    createdAt: createdAt(),
  },
  (t) => [
    check('points_ledger_reason', oneOf('reason', POINT_REASONS)),
    unique('points_ledger_dedupe_key_unique').on(t.dedupeKey),
    index('points_ledger_guild_player_idx').on(t.guildId, t.playerId),
    index('points_ledger_player_idx').on(t.playerId),
  ],
);

// ── Relations ───────────────────────────────────────────────────────────────

export const guildsRelations = relations(guilds, ({ many }) => ({
  challenges: many(challenges),
  pointsLedger: many(pointsLedger),
}));

export const playersRelations = relations(players, ({ many }) => ({
  challenges: many(challenges),
  submissions: many(humanSubmissions),
  votes: many(votes),
  pointsLedger: many(pointsLedger),
}));

export const challengesRelations = relations(challenges, ({ one, many }) => ({
  owner: one(players, { fields: [challenges.ownerId], references: [players.id] }),
  guild: one(guilds, { fields: [challenges.guildId], references: [guilds.id] }),
  targetImage: one(images, { fields: [challenges.targetImageSha], references: [images.sha256] }),
  promptSpaces: many(promptSpaces),
  runs: many(runs),
  submissions: many(humanSubmissions),
}));

export const promptSpacesRelations = relations(promptSpaces, ({ one }) => ({
  challenge: one(challenges, { fields: [promptSpaces.challengeId], references: [challenges.id] }),
}));

export const runsRelations = relations(runs, ({ one, many }) => ({
  challenge: one(challenges, { fields: [runs.challengeId], references: [challenges.id] }),
  requester: one(players, { fields: [runs.requestedBy], references: [players.id] }),
  promptSpace: one(promptSpaces, { fields: [runs.promptSpaceId], references: [promptSpaces.id] }),
  episodes: many(episodes),
  steps: many(steps),
  events: many(runEvents),
  evaluations: many(runEvaluations),
}));

export const episodesRelations = relations(episodes, ({ one }) => ({
  run: one(runs, { fields: [episodes.runId], references: [runs.id] }),
}));

export const stepsRelations = relations(steps, ({ one }) => ({
  run: one(runs, { fields: [steps.runId], references: [runs.id] }),
  image: one(images, { fields: [steps.imageSha], references: [images.sha256] }),
}));

export const runEventsRelations = relations(runEvents, ({ one }) => ({
  run: one(runs, { fields: [runEvents.runId], references: [runs.id] }),
}));

export const runEvaluationsRelations = relations(runEvaluations, ({ one }) => ({
  run: one(runs, { fields: [runEvaluations.runId], references: [runs.id] }),
}));

export const generationCacheRelations = relations(generationCache, ({ one }) => ({
  image: one(images, { fields: [generationCache.imageSha], references: [images.sha256] }),
}));

export const humanSubmissionsRelations = relations(humanSubmissions, ({ one }) => ({
  player: one(players, { fields: [humanSubmissions.playerId], references: [players.id] }),
  challenge: one(challenges, { fields: [humanSubmissions.challengeId], references: [challenges.id] }),
}));

export const votesRelations = relations(votes, ({ one }) => ({
  player: one(players, { fields: [votes.playerId], references: [players.id] }),
  image: one(images, { fields: [votes.imageSha], references: [images.sha256] }),
}));

export const pointsLedgerRelations = relations(pointsLedger, ({ one }) => ({
  player: one(players, { fields: [pointsLedger.playerId], references: [players.id] }),
  guild: one(guilds, { fields: [pointsLedger.guildId], references: [guilds.id] }),
  challenge: one(challenges, { fields: [pointsLedger.challengeId], references: [challenges.id] }),
}));

// ── Inferred types ──────────────────────────────────────────────────────────

export type Guild = typeof guilds.$inferSelect;
export type NewGuild = typeof guilds.$inferInsert;
export type Player = typeof players.$inferSelect;
export type NewPlayer = typeof players.$inferInsert;
export type Image = typeof images.$inferSelect;
export type NewImage = typeof images.$inferInsert;
export type Challenge = typeof challenges.$inferSelect;
export type NewChallenge = typeof challenges.$inferInsert;
export type PromptSpace = typeof promptSpaces.$inferSelect;
export type NewPromptSpace = typeof promptSpaces.$inferInsert;
export type Run = typeof runs.$inferSelect;
export type NewRun = typeof runs.$inferInsert;
export type Episode = typeof episodes.$inferSelect;
export type NewEpisode = typeof episodes.$inferInsert;
export type Step = typeof steps.$inferSelect;
export type NewStep = typeof steps.$inferInsert;
export type RunEvent = typeof runEvents.$inferSelect;
export type NewRunEvent = typeof runEvents.$inferInsert;
export type RunEvaluation = typeof runEvaluations.$inferSelect;
export type NewRunEvaluation = typeof runEvaluations.$inferInsert;
export type GenerationCacheEntry = typeof generationCache.$inferSelect;
export type NewGenerationCacheEntry = typeof generationCache.$inferInsert;
export type HumanSubmission = typeof humanSubmissions.$inferSelect;
export type NewHumanSubmission = typeof humanSubmissions.$inferInsert;
export type Vote = typeof votes.$inferSelect;
export type NewVote = typeof votes.$inferInsert;
export type PointsLedgerEntry = typeof pointsLedger.$inferSelect;
export type NewPointsLedgerEntry = typeof pointsLedger.$inferInsert;
