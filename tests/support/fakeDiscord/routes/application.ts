/** Gateway discovery and application-command registration routes. */
import { type APIApplicationCommand, ApplicationCommandType, type APIApplicationCommandOption, type RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import type { RestRouter } from '../http.js';
import { nextSnowflake } from '../snowflake.js';
import { HttpError, validateCommands } from '../validation.js';
import { type RouteContext, json } from './context.js';

export function addApplicationRoutes(router: RestRouter, context: RouteContext, gatewayUrl: () => string): void {
  const { world } = context;

  router.add('GET', '/gateway/bot', () => {
    const result: RESTGetAPIGatewayBotResult = {
      url: gatewayUrl(),
      shards: context.shards,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 },
    };
    return json(result);
  });
  router.add('GET', '/gateway', () => json({ url: gatewayUrl() }), { auth: false });

  const overwrite = (applicationId: string, guildId: string | undefined, body: unknown) => {
    if (applicationId !== world.applicationId) throw new HttpError(403, 50001, 'Missing Access');
    if (guildId !== undefined) world.guild(guildId);
    const commands = validateCommands(body);
    const existing = world.commandsFor(guildId);
    const next = new Map<string, APIApplicationCommand>();
    for (const raw of commands) {
      const name = String(raw.name);
      const type = typeof raw.type === 'number' ? (raw.type as ApplicationCommandType) : ApplicationCommandType.ChatInput;
      // Discord keeps a command's id across overwrites when its name (and type) stay the same.
      const previous = existing.get(name);
      next.set(name, {
        id: previous?.type === type ? previous.id : nextSnowflake(),
        type,
        application_id: applicationId,
        ...(guildId ? { guild_id: guildId } : {}),
        name,
        description: typeof raw.description === 'string' ? raw.description : '',
        ...(Array.isArray(raw.options) ? { options: raw.options as APIApplicationCommandOption[] } : {}),
        default_member_permissions: typeof raw.default_member_permissions === 'string' ? raw.default_member_permissions : null,
        nsfw: raw.nsfw === true,
        ...(Array.isArray(raw.contexts) ? { contexts: raw.contexts as APIApplicationCommand['contexts'] } : {}),
        ...(Array.isArray(raw.integration_types) ? { integration_types: raw.integration_types as APIApplicationCommand['integration_types'] } : {}),
        version: nextSnowflake(),
      });
    }
    existing.clear();
    for (const [name, command] of next) existing.set(name, command);
    context.changed();
    return json([...existing.values()]);
  };

  router.add('PUT', '/applications/:app/commands', ({ params, json: body }) => overwrite(params.app!, undefined, body));
  router.add('PUT', '/applications/:app/guilds/:guild/commands', ({ params, json: body }) => overwrite(params.app!, params.guild!, body));
  router.add('GET', '/applications/:app/commands', () => json([...world.globalCommands.values()]));
  router.add('GET', '/applications/:app/guilds/:guild/commands', ({ params }) => json([...world.commandsFor(params.guild!).values()]));
}
