/**
 * Preconditions (Sapphire's pattern): small checks a command or button declares;
 * the router runs them after deferring and, on the first denial, shows its
 * reason privately from one place. Permission checks use the member's
 * permissions as Discord computed them for the channel (`memberPermissions`).
 */
import { type ButtonInteraction, type ChatInputCommandInteraction, PermissionFlagsBits } from 'discord.js';

export type GuildRepliableInteraction = ChatInputCommandInteraction<'cached'> | ButtonInteraction<'cached'>;

export type PreconditionResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface Precondition<Services = unknown> {
  /** For logs. */
  readonly name: string;
  check(interaction: GuildRepliableInteraction, services: Services): PreconditionResult | Promise<PreconditionResult>;
}

export const allowed: PreconditionResult = { ok: true };

export function denied(reason: string): PreconditionResult {
  return { ok: false, reason };
}

/** Manage Server (administrators and the server owner have it too). */
export function isAdministrator(interaction: GuildRepliableInteraction): boolean {
  return interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild);
}

/** Anyone who can manage messages or threads here, or an administrator. */
export function isModerator(interaction: GuildRepliableInteraction): boolean {
  return (
    isAdministrator(interaction) ||
    interaction.memberPermissions.any([PermissionFlagsBits.ManageMessages, PermissionFlagsBits.ManageThreads])
  );
}

export const administratorOnly: Precondition = {
  name: 'administratorOnly',
  check: (interaction) => (isAdministrator(interaction) ? allowed : denied('Only server administrators (Manage Server permission) can do this.')),
};

export const moderatorOnly: Precondition = {
  name: 'moderatorOnly',
  check: (interaction) => (isModerator(interaction) ? allowed : denied('Only moderators (Manage Messages or Manage Threads permission) can do this.')),
};

/**
 * The owner of something (a challenge, a run) or a moderator. `ownerIdOf`
 * finds the owner for this interaction (e.g. the challenge of the current
 * thread); `undefined` means there is nothing here to own, and is denied with `missing`.
 */
export function ownerOrModerator<Services>(options: {
  readonly what: string;
  readonly ownerIdOf: (interaction: GuildRepliableInteraction, services: Services) => string | undefined | Promise<string | undefined>;
  readonly missing?: string;
}): Precondition<Services> {
  return {
    name: 'ownerOrModerator',
    async check(interaction, services) {
      const ownerId = await options.ownerIdOf(interaction, services);
      if (ownerId === undefined) return denied(options.missing ?? `There is no ${options.what} here.`);
      if (ownerId === interaction.user.id || isModerator(interaction)) return allowed;
      return denied(`Only the owner of this ${options.what} or a moderator can do this.`);
    },
  };
}
