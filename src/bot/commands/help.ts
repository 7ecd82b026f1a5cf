/** `/help [command]`: what the game is and what each command does, listed from the commands' own schemas. */
import { type APIEmbed, ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { UserFacingError } from '../interactions/errors.js';
import { type CommandData, defineCommand } from './types.js';

const data = {
  name: 'help',
  description: 'How ImagePrompt works and what each command does',
  contexts: [InteractionContextType.Guild],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'command',
      description: 'Show the details of one command, e.g. challenge',
      required: false,
      max_length: 32,
    },
  ],
} as const satisfies CommandData;

export interface HelpEntry {
  /** As typed, e.g. `/challenge create`. */
  readonly usage: string;
  readonly description: string;
  /** Option names as shown, e.g. `image` (required) and `[title]` (optional). */
  readonly options: readonly string[];
}

const INTRO =
  'Guess the prompt behind a picture. Post a target with /challenge create, write your own prompts with /guess, ' +
  'and watch the machine learn one with /train. Votes on its images can steer what it learns.';

type SchemaOption = NonNullable<CommandData['options']>[number];

function optionList(options: readonly SchemaOption[] | undefined): string[] {
  return (options ?? []).map((option) => ('required' in option && option.required ? option.name : `[${option.name}]`));
}

/** One entry per command, or per subcommand for commands that have them. */
export function helpEntries(commands: readonly CommandData[]): HelpEntry[] {
  return commands.flatMap((command) => {
    const subcommands = (command.options ?? []).filter((option) => option.type === ApplicationCommandOptionType.Subcommand);
    if (subcommands.length === 0) return [{ usage: `/${command.name}`, description: command.description, options: optionList(command.options) }];
    return subcommands.map((subcommand) => ({
      usage: `/${command.name} ${subcommand.name}`,
      description: subcommand.description,
      options: optionList('options' in subcommand ? subcommand.options : undefined),
    }));
  });
}

function line(entry: HelpEntry): string {
  const usage = [entry.usage, ...entry.options].join(' ');
  return `**${usage}** — ${entry.description}`;
}

/** The help embed: the intro and every command, or only the entries of one command. */
export function helpEmbed(commands: readonly CommandData[], only?: string): APIEmbed {
  const entries = helpEntries(commands);
  if (only === undefined) {
    return { title: 'ImagePrompt', description: [INTRO, '', ...entries.map(line)].join('\n').slice(0, 4096) };
  }
  const name = only.trim().replace(/^\//, '').toLowerCase();
  const matching = entries.filter((entry) => entry.usage === `/${name}` || entry.usage.startsWith(`/${name} `));
  if (matching.length === 0) throw new UserFacingError(`There is no /${name} command. Use /help to see them all.`);
  return { title: `/${name}`, description: matching.map(line).join('\n').slice(0, 4096) };
}

export const helpCommand = defineCommand({
  data,
  visibility: 'ephemeral',
  async execute(interaction, args, context) {
    await interaction.editReply({ embeds: [helpEmbed(context.commands, args.command)] });
  },
});
