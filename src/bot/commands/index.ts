/** Every slash command the bot routes and registers. Add a command here and nowhere else. */
import { challengeCommand } from './challenge.js';
import { guessCommand } from './guess.js';
import { helpCommand } from './help.js';
import { leaderboardCommand } from './leaderboard.js';
import { profileCommand } from './profile.js';
import { settingsCommand } from './settings.js';
import { stopCommand } from './stop.js';
import { trainCommand } from './train.js';
import type { Command } from './types.js';

export const commands: readonly Command[] = [helpCommand, trainCommand, stopCommand, challengeCommand, guessCommand, leaderboardCommand, profileCommand, settingsCommand];
