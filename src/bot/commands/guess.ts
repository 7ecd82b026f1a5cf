/**
 * `/guess prompt:<text>` in a challenge thread: the prompt is judged like the
 * machine's (K images, mean ± sd similarity, in an engine thread) and the
 * thread sees a 2×2 grid of its images with the score and the player's rank.
 */
import { ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { renderImageGrid } from '../../engine/reports/imageGrid.js';
import { guessMessage } from '../render/messages.js';
import type { GameServices } from '../services/index.js';
import { type CommandData, defineCommand } from './types.js';

const data = {
  name: 'guess',
  description: 'Guess the prompt behind this thread’s picture: your prompt is drawn and scored',
  contexts: [InteractionContextType.Guild],
  options: [{ type: ApplicationCommandOptionType.String, name: 'prompt', description: 'Your prompt, e.g. "a red sphere"', required: true, min_length: 1, max_length: 300 }],
} as const satisfies CommandData;

const GRID_FILE = 'guess.png';

export const guessCommand = defineCommand<typeof data, GameServices>({
  data,
  visibility: 'public',
  async execute(interaction, args, context) {
    const playerName = interaction.member.displayName;
    const result = await context.services.guesses.submit({
      guild: { id: interaction.guildId, name: interaction.guild.name },
      where: { threadId: interaction.channelId },
      player: { id: interaction.user.id, displayName: playerName },
      prompt: args.prompt,
    });
    const grid = await renderImageGrid(
      result.images.map((bytes, i) => ({ bytes, prompt: result.prompt, score: result.similarities[i] ?? null, detail: `image ${i + 1}` })),
      { columns: 2, cell: 256, scoreLabel: 'similarity', highlightBest: false },
    );
    await interaction.editReply({
      ...guessMessage(result, playerName, GRID_FILE),
      files: [{ attachment: Buffer.from(grid), name: GRID_FILE, description: `${result.images.length} images drawn from the guessed prompt` }],
    });
  },
});
