/** Guilds (Discord servers) and the settings their administrators choose. */
import { and, eq, gte, inArray, sql, sum } from 'drizzle-orm';
import type { Database } from '../client.js';
import { challenges, type Guild, type GuildQuotas, type GuildSettings, guilds, humanSubmissions, runs } from '../schema.js';

export const DEFAULT_GUILD_SETTINGS: GuildSettings = {
  generator: 'shapes',
  model: 'shapes-world@1',
  voteWeight: 0,
  quotas: {
    runsPerUserPerDay: 5,
    guessesPerPlayerPerChallenge: 10,
    guessCooldownSeconds: 30,
    concurrentRunsPerUser: 1,
    concurrentRunsPerGuild: 3,
  },
  // A guild that switches to a paid generator spends nothing past this until an administrator raises it.
  spendingCapUsd: 5,
};

/** A change to some settings; quotas may be changed one at a time. */
export type GuildSettingsPatch = Partial<Omit<GuildSettings, 'quotas'>> & { quotas?: Partial<GuildQuotas> };

export class GuildSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuildSettingsError';
  }
}

/** Throws a `GuildSettingsError` naming the first value out of range. */
export function validateGuildSettings(settings: GuildSettings): GuildSettings {
  if (settings.generator.trim() === '') throw new GuildSettingsError('generator must not be empty.');
  if (settings.model.trim() === '') throw new GuildSettingsError('model must not be empty.');
  if (!(settings.voteWeight >= 0 && settings.voteWeight <= 1)) {
    throw new GuildSettingsError(`voteWeight must be between 0 and 1 (got ${settings.voteWeight}).`);
  }
  for (const [name, value] of Object.entries(settings.quotas)) {
    if (!Number.isInteger(value) || value < 0 || value > 100_000) {
      throw new GuildSettingsError(`quotas.${name} must be a whole number from 0 to 100000 (got ${value}).`);
    }
  }
  const cap = settings.spendingCapUsd;
  if (cap !== null && !(Number.isFinite(cap) && cap >= 0)) {
    throw new GuildSettingsError(`spendingCapUsd must be a positive amount or none (got ${cap}).`);
  }
  return settings;
}

function mergeSettings(base: GuildSettings, patch: GuildSettingsPatch): GuildSettings {
  return { ...base, ...patch, quotas: { ...base.quotas, ...patch.quotas } };
}

/** Creates the guild with default settings, or renames it if it exists. */
export async function upsertGuild(db: Database, guild: { id: string; name: string }): Promise<Guild> {
  const [row] = await db
    .insert(guilds)
    .values({ id: guild.id, name: guild.name, settings: DEFAULT_GUILD_SETTINGS })
    .onConflictDoUpdate({ target: guilds.id, set: { name: guild.name, updatedAt: sql`now()` } })
    .returning();
  return row!;
}

export async function getGuild(db: Database, guildId: string): Promise<Guild | undefined> {
  const [row] = await db.select().from(guilds).where(eq(guilds.id, guildId));
  return row;
}

/** The guild's settings, with defaults filled in for anything it never set (or for an unknown guild). */
export async function getGuildSettings(db: Database, guildId: string): Promise<GuildSettings> {
  const guild = await getGuild(db, guildId);
  return mergeSettings(DEFAULT_GUILD_SETTINGS, guild?.settings ?? {});
}

/** Applies `patch` to a known guild's settings atomically; throws `GuildSettingsError` for bad values or an unknown guild. */
export async function updateGuildSettings(db: Database, guildId: string, patch: GuildSettingsPatch): Promise<GuildSettings> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ settings: guilds.settings }).from(guilds).where(eq(guilds.id, guildId)).for('update');
    if (row === undefined) throw new GuildSettingsError(`Unknown guild ${guildId}.`);
    const settings = validateGuildSettings(mergeSettings(mergeSettings(DEFAULT_GUILD_SETTINGS, row.settings), patch));
    await tx.update(guilds).set({ settings, updatedAt: sql`now()` }).where(eq(guilds.id, guildId));
    return settings;
  });
}

/** Money spent since `since` by the guild's challenges: their runs plus their players' guesses, in US dollars. */
export async function guildSpendingSince(db: Database, guildId: string, since: Date): Promise<number> {
  const guildChallenges = db.select({ id: challenges.id }).from(challenges).where(eq(challenges.guildId, guildId));
  const [fromRuns] = await db
    .select({ total: sum(runs.costUsd).mapWith(Number) })
    .from(runs)
    .where(and(inArray(runs.challengeId, guildChallenges), gte(runs.createdAt, since)));
  const [fromGuesses] = await db
    .select({ total: sum(humanSubmissions.costUsd).mapWith(Number) })
    .from(humanSubmissions)
    .where(and(inArray(humanSubmissions.challengeId, guildChallenges), gte(humanSubmissions.createdAt, since)));
  return (fromRuns?.total ?? 0) + (fromGuesses?.total ?? 0);
}
