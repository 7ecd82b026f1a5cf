/** `/profile [user]`: points, wins and best prompts on this server. */
import { ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { profileEmbed } from '../render/messages.js';
import type { GameServices } from '../services/index.js';
import { type CommandData, defineCommand } from './types.js';

const data = {
  name: 'profile',
  description: 'Points, wins and best prompts of a player on this server',
  contexts: [InteractionContextType.Guild],
  options: [{ type: ApplicationCommandOptionType.User, name: 'user', description: 'Whose profile (default: yours)' }],
} as const satisfies CommandData;

export const profileCommand = defineCommand<typeof data, GameServices>({
  data,
  visibility: 'public',
  async execute(interaction, args, context) {
    const user = args.user ?? interaction.user;
    const profile = await context.services.profiles.profile(interaction.guildId, user.id);
    const member = interaction.guild.members.cache.get(user.id);
    const name = member?.displayName ?? profile.displayName ?? user.displayName;
    await interaction.editReply({ embeds: [profileEmbed(profile, name)] });
  },
});
