/**
 * `/settings`: what a server's administrators choose — the image generator
 * and its model, the default vote weight λ, quotas, the monthly spending cap.
 * A generator change is checked in an engine thread before it is saved (the
 * model must exist, the key must be set), so a guild is never left with a
 * generator that cannot draw.
 */
import { type GuildSettingsPatch, GuildSettingsError, getGuildSettings, guildSpendingSince, updateGuildSettings, upsertGuild } from '../../db/repositories/guilds.js';
import type { GuildQuotas, GuildSettings } from '../../db/schema.js';
import { listProviders } from '../../engine/providers/registry.js';
import type { GeneratorChoice } from '../../engine/providers/stack.js';
import { UserFacingError } from '../interactions/errors.js';
import type { GuildRef, ServiceContext } from './context.js';
import { toUserFacing } from './engineErrors.js';
import { GENERATORS } from './providerChoice.js';

/** One `/settings set`: only what is given changes. */
export interface SettingsChange {
  readonly generator?: GeneratorChoice;
  /** The generator's model; when the generator changes without one, its default. */
  readonly model?: string;
  readonly voteWeight?: number;
  readonly quotas?: Partial<GuildQuotas>;
  /** US dollars per UTC month; `null` removes the cap. */
  readonly spendingCapUsd?: number | null;
}

export interface GeneratorStatus {
  readonly generator: GeneratorChoice;
  /** Its API key is set on the bot's host (always true for the offline shapes world). */
  readonly configured: boolean;
  /** The variable that holds its key, if it needs one. */
  readonly envVar: string | null;
}

export interface SettingsView {
  readonly settings: GuildSettings;
  /** Spent since the start of this UTC month by the server's runs and guesses. */
  readonly spentThisMonthUsd: number;
  readonly generators: GeneratorStatus[];
}

function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

function isEmpty(change: SettingsChange): boolean {
  const quotas = Object.values(change.quotas ?? {}).filter((value) => value !== undefined);
  return (
    change.generator === undefined &&
    change.model === undefined &&
    change.voteWeight === undefined &&
    change.spendingCapUsd === undefined &&
    quotas.length === 0
  );
}

export function createSettingsService(context: ServiceContext) {
  const { db, engine, env } = context;

  function generatorStatuses(): GeneratorStatus[] {
    const providers = listProviders(env);
    return GENERATORS.map((generator) => {
      const info = providers.find((provider) => provider.name === generator);
      return { generator, configured: info?.configured ?? false, envVar: info?.envVar ?? null };
    });
  }

  async function view(guildId: string): Promise<SettingsView> {
    return {
      settings: await getGuildSettings(db, guildId),
      spentThisMonthUsd: await guildSpendingSince(db, guildId, monthStart(context.clock())),
      generators: generatorStatuses(),
    };
  }

  /** The generator and model to store, checked by building them in an engine thread. */
  async function resolveGenerator(current: GuildSettings, change: SettingsChange): Promise<Pick<GuildSettings, 'generator' | 'model'> | undefined> {
    if (change.generator === undefined && change.model === undefined) return undefined;
    const generator = change.generator ?? current.generator;
    if (!(GENERATORS as readonly string[]).includes(generator)) throw new UserFacingError(`Choose a generator: ${GENERATORS.join(', ')}.`);
    const choice = generator as GeneratorChoice;
    const status = generatorStatuses().find((entry) => entry.generator === choice);
    if (status && !status.configured) {
      throw new UserFacingError(`${choice} needs an API key: set ${status.envVar} in the bot's environment and restart it, then try again.`);
    }
    const generatorChanged = change.generator !== undefined && change.generator !== current.generator;
    const model = change.model?.trim() || (generatorChanged ? undefined : current.model);
    try {
      const check = await engine.checkProvider(model ? { generator: choice, model } : { generator: choice });
      return { generator: choice, model: check.modelId };
    } catch (error) {
      throw toUserFacing(error, context.clock());
    }
  }

  async function update(guild: GuildRef, change: SettingsChange): Promise<SettingsView> {
    if (isEmpty(change)) throw new UserFacingError('Nothing to change: give at least one setting (see /settings view for the current ones).');
    await upsertGuild(db, guild);
    const current = await getGuildSettings(db, guild.id);
    const generator = await resolveGenerator(current, change);
    const patch: GuildSettingsPatch = {
      ...(generator ?? {}),
      ...(change.voteWeight !== undefined ? { voteWeight: change.voteWeight } : {}),
      ...(change.spendingCapUsd !== undefined ? { spendingCapUsd: change.spendingCapUsd } : {}),
      ...(change.quotas ? { quotas: Object.fromEntries(Object.entries(change.quotas).filter(([, value]) => value !== undefined)) } : {}),
    };
    try {
      await updateGuildSettings(db, guild.id, patch);
    } catch (error) {
      if (error instanceof GuildSettingsError) throw new UserFacingError(`That setting was not saved: ${error.message}`, { cause: error });
      throw error;
    }
    return view(guild.id);
  }

  return { view, update };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
