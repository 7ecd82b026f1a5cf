/**
 * The fake Discord's public surface for tests.
 *
 * ```ts
 * const fake = await startFakeDiscord({ token: 'test-token' });
 * const client = createBotClient({ token: 'test-token', applicationId: fake.applicationId, apiBase: fake.apiBase });
 * await client.login('test-token'); // then wait for Events.ClientReady
 * const handle = fake.sendCommand({ name: 'help', options: { command: 'guess' } });
 * (await handle.acknowledged).ms;      // time to acknowledge
 * (await handle.reply()).embeds;       // what the user saw
 * fake.messages(fake.guild.channelId); // what the channel shows
 * await client.destroy(); await fake.close();
 * ```
 */
export { type Actor, FakeDiscord, type FakeDiscordOptions, type SendCommandInput, startFakeDiscord } from './fakeDiscord.js';
export type { GatewayStats } from './gateway.js';
export type { RecordedRequest, UploadedFile } from './http.js';
export type { Acknowledgement, CommandOptionValue, FakeUpload, InteractionHandle, InteractionResponse } from './interactions.js';
export { FakeMessage, type MessageWrite, type Pings, resolvePings, type StoredFile } from './messages.js';
export type { RateLimitOptions, RateLimitScope, RoutePattern } from './rateLimits.js';
export type { FakeGuild } from './world.js';
