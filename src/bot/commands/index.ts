/** Every slash command the bot routes and registers. Add a command here and nowhere else. */
import { helpCommand } from './help.js';
import type { Command } from './types.js';

export const commands: readonly Command[] = [helpCommand];
