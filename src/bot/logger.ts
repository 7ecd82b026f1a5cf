/** The logging surface the bot needs; a pino logger satisfies it. */
export interface BotLogger {
  error(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
}

export const silentLogger: BotLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
};
