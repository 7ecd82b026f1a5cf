/** `/settings view | set` (administrators): generator and model, vote weight λ, quotas, spending cap. */
import { ApplicationCommandOptionType, InteractionContextType, PermissionFlagsBits } from 'discord.js';
import { administratorOnly } from '../interactions/preconditions.js';
import { settingsEmbed } from '../render/messages.js';
import type { GameServices } from '../services/index.js';
import { GENERATORS } from '../services/providerChoice.js';
import type { SettingsChange } from '../services/settings.js';
import { type CommandArgs, type CommandData, defineCommand } from './types.js';

const data = {
  name: 'settings',
  description: 'Server settings for ImagePrompt (administrators)',
  contexts: [InteractionContextType.Guild],
  // Hidden from members without Manage Server in Discord's command picker; the precondition still checks.
  default_member_permissions: String(PermissionFlagsBits.ManageGuild),
  options: [
    { type: ApplicationCommandOptionType.Subcommand, name: 'view', description: 'Show the current settings' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'set',
      description: 'Change some settings; the others stay as they are',
      options: [
        { type: ApplicationCommandOptionType.String, name: 'generator', description: 'Image generator', choices: GENERATORS.map((name) => ({ name, value: name })) },
        { type: ApplicationCommandOptionType.String, name: 'model', description: 'Generator model (default: the generator’s own)', max_length: 120 },
        { type: ApplicationCommandOptionType.Number, name: 'vote_weight', description: 'λ for new challenges: weight of votes in the reward (0 to 1)', min_value: 0, max_value: 1 },
        { type: ApplicationCommandOptionType.Integer, name: 'guesses_per_challenge', description: 'Guesses each player may make per challenge (0 turns guessing off)', min_value: 0, max_value: 1000 },
        { type: ApplicationCommandOptionType.Integer, name: 'guess_cooldown_seconds', description: 'Seconds a player waits between guesses', min_value: 0, max_value: 86400 },
        { type: ApplicationCommandOptionType.Integer, name: 'runs_per_day', description: 'Training runs one user may start per day', min_value: 0, max_value: 1000 },
        { type: ApplicationCommandOptionType.Integer, name: 'concurrent_runs_per_user', description: 'Runs queued or running at once per user', min_value: 0, max_value: 100 },
        { type: ApplicationCommandOptionType.Integer, name: 'concurrent_runs_per_server', description: 'Runs queued or running at once on this server', min_value: 0, max_value: 100 },
        { type: ApplicationCommandOptionType.Number, name: 'spending_cap_usd', description: 'Most the server may spend on images per month, in US dollars', min_value: 0, max_value: 100000 },
        { type: ApplicationCommandOptionType.Boolean, name: 'no_spending_cap', description: 'Remove the monthly spending cap' },
      ],
    },
  ],
} as const satisfies CommandData;

type SetOptions = Extract<CommandArgs<typeof data>, { readonly subcommand: 'set' }>['options'];

/** The options given, as a settings change (absent ones stay unchanged). */
export function settingsChange(options: SetOptions): SettingsChange {
  const quotas = {
    ...(options.guesses_per_challenge !== undefined ? { guessesPerPlayerPerChallenge: options.guesses_per_challenge } : {}),
    ...(options.guess_cooldown_seconds !== undefined ? { guessCooldownSeconds: options.guess_cooldown_seconds } : {}),
    ...(options.runs_per_day !== undefined ? { runsPerUserPerDay: options.runs_per_day } : {}),
    ...(options.concurrent_runs_per_user !== undefined ? { concurrentRunsPerUser: options.concurrent_runs_per_user } : {}),
    ...(options.concurrent_runs_per_server !== undefined ? { concurrentRunsPerGuild: options.concurrent_runs_per_server } : {}),
  };
  const spendingCapUsd = options.no_spending_cap ? null : options.spending_cap_usd;
  return {
    ...(options.generator !== undefined ? { generator: options.generator } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.vote_weight !== undefined ? { voteWeight: options.vote_weight } : {}),
    ...(Object.keys(quotas).length > 0 ? { quotas } : {}),
    ...(spendingCapUsd !== undefined ? { spendingCapUsd } : {}),
  };
}

export const settingsCommand = defineCommand<typeof data, GameServices>({
  data,
  visibility: 'ephemeral',
  preconditions: [administratorOnly],
  async execute(interaction, args, context) {
    const { settings } = context.services;
    if (args.subcommand === 'view') {
      await interaction.editReply({ embeds: [settingsEmbed(await settings.view(interaction.guildId))] });
      return;
    }
    const view = await settings.update({ id: interaction.guildId, name: interaction.guild.name }, settingsChange(args.options));
    await interaction.editReply({ content: 'Settings saved.', embeds: [settingsEmbed(view)] });
  },
});
