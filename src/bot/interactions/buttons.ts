/**
 * Button handlers, routed by the custom id's prefix (`vote:<imageSha>:<value>`
 * goes to the handler with prefix `vote`, which gets `[imageSha, value]`).
 */
import type { ButtonInteraction } from 'discord.js';
import type { BotLogger } from '../logger.js';
import type { Precondition } from './preconditions.js';

/**
 * How the router acknowledges a click before the handler runs:
 * `update` defers an edit of the message the button is on (the handler then
 * calls `editReply` to change that message, or `followUp` to say something);
 * `ephemeral` shows a private "thinking…" reply the handler fills with `editReply`.
 */
export type ButtonAck = 'update' | 'ephemeral';

export interface ButtonContext<Services> {
  readonly services: Services;
  readonly logger: BotLogger;
}

export interface ButtonHandler<Services = unknown> {
  readonly prefix: string;
  readonly ack: ButtonAck;
  readonly preconditions?: readonly Precondition<Services>[];
  execute(interaction: ButtonInteraction<'cached'>, args: readonly string[], context: ButtonContext<Services>): Promise<void>;
}

export function defineButton<Services = unknown>(handler: ButtonHandler<Services>): ButtonHandler<Services> {
  return handler;
}
