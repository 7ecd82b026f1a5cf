/**
 * An error whose message is written for the user and safe to show them
 * (ephemeral): a bad attachment, a quota reached, a cooldown. Every other
 * error is shown only as a generic message with a reference id, so stack
 * traces, provider messages and secrets never reach Discord.
 */
export class UserFacingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserFacingError';
  }
}
