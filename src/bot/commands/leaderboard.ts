/**
 * `/leaderboard [scope]`: a challenge's players against the machine (in its
 * thread, or with `challenge`), or the server's players by points. A rendered
 * card plus an embed with the same ranking as text.
 */
import { ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { LEADERBOARD_CARD_WIDTH, renderChallengeCard, renderServerCard } from '../render/leaderboardCard.js';
import { challengeBoardEmbed, serverBoardEmbed } from '../render/messages.js';
import type { GameServices } from '../services/index.js';
import { type CommandData, defineCommand } from './types.js';

const data = {
  name: 'leaderboard',
  description: 'Who wrote the best prompt, people or the machine',
  contexts: [InteractionContextType.Guild],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'scope',
      description: 'This challenge (default inside a challenge thread) or the whole server',
      choices: [
        { name: 'challenge', value: 'challenge' },
        { name: 'server', value: 'server' },
      ],
    },
    { type: ApplicationCommandOptionType.Integer, name: 'challenge', description: 'Challenge number (default: this thread’s)', min_value: 1 },
  ],
} as const satisfies CommandData;

const CARD_FILE = 'leaderboard.png';

export const leaderboardCommand = defineCommand<typeof data, GameServices>({
  data,
  visibility: 'public',
  async execute(interaction, args, context) {
    const { leaderboards, challenges } = context.services;
    const where = args.challenge !== undefined ? { challengeId: args.challenge } : { threadId: interaction.channelId };
    const inChallenge = args.challenge !== undefined || (await challenges.find(interaction.guildId, where)) !== undefined;
    const scope = args.scope ?? (inChallenge ? 'challenge' : 'server');
    if (scope === 'challenge') {
      const board = await leaderboards.challengeBoard(interaction.guildId, where);
      const card = await renderChallengeCard(
        `Challenge #${board.challenge.id}: ${board.challenge.title}`,
        board.entries.map((entry) => ({ rank: entry.rank, label: entry.label, prompt: entry.prompt, mean: entry.mean, sd: entry.sd, machine: entry.kind === 'machine' })),
      );
      await interaction.editReply({
        embeds: [challengeBoardEmbed(board, CARD_FILE)],
        files: [{ attachment: Buffer.from(card), name: CARD_FILE, description: `Leaderboard of challenge ${board.challenge.id}, ${LEADERBOARD_CARD_WIDTH} pixels wide` }],
      });
      return;
    }
    const standings = await leaderboards.serverBoard(interaction.guildId);
    const card = await renderServerCard(
      `${interaction.guild.name}: points`,
      standings.map((standing) => ({ rank: standing.rank, name: standing.displayName, points: standing.points, winsAgainstMachine: standing.winsAgainstMachine })),
    );
    await interaction.editReply({
      embeds: [serverBoardEmbed(standings, interaction.guild.name, CARD_FILE)],
      files: [{ attachment: Buffer.from(card), name: CARD_FILE, description: 'Server leaderboard by points' }],
    });
  },
});
