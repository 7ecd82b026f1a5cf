/**
 * The discord.js client the bot runs on. Intents are the minimum the game needs
 * (guild structure and threads, reactions as fallback votes); no message
 * content, no privileged intents. Echoed user text never pings: mentions are
 * off by default for every message the client sends.
 */
import { Client, GatewayIntentBits, Partials } from 'discord.js';
import type { BotConfig } from './config.js';

export const BOT_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions] as const;

/**
 * Reactions on messages sent before a restart (or evicted from the cache) arrive
 * for uncached messages; without these partials discord.js drops those events.
 */
export const BOT_PARTIALS = [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel] as const;

/** A client configured for ImagePrompt; call `client.login(config.token)` to connect. */
export function createBotClient(config: BotConfig): Client {
  return new Client({
    intents: [...BOT_INTENTS],
    partials: [...BOT_PARTIALS],
    rest: { api: config.apiBase },
    // Client-wide default; a message that really must ping passes its own allowedMentions.
    allowedMentions: { parse: [], repliedUser: false },
  });
}
