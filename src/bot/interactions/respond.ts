/**
 * The one place that tells a user something privately (a denial, a refusal, an
 * error), whatever state the interaction is in.
 *
 * Discord's rules this follows: an acknowledged interaction cannot be replied
 * to again; a message's visibility is fixed when it is created; and the first
 * follow-up after a deferred reply that is still "thinking…" replaces that
 * message, keeping its visibility. So after a public defer the placeholder is
 * deleted first, then an ephemeral follow-up is sent.
 */
import { MessageFlags } from 'discord.js';
import type { GuildRepliableInteraction } from './preconditions.js';

/** How the router acknowledged the interaction. */
export type AckMode = 'none' | 'deferred-public' | 'deferred-ephemeral' | 'deferred-update';

const NO_PINGS = { parse: [] };

export async function respondPrivately(interaction: GuildRepliableInteraction, ack: AckMode, content: string): Promise<void> {
  if (ack === 'none' && !interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
    return;
  }
  if (ack === 'deferred-ephemeral' && !interaction.replied) {
    await interaction.editReply({ content, embeds: [], components: [], files: [], allowedMentions: NO_PINGS });
    return;
  }
  if (ack === 'deferred-public' && !interaction.replied) await interaction.deleteReply();
  await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
}
