/**
 * Component custom ids: `prefix:arg1:arg2…` (e.g. `vote:<imageSha>:<value>`).
 * The prefix routes the click to its handler; the arguments are the handler's
 * input. Discord caps custom ids at 100 characters.
 */

export const CUSTOM_ID_MAX_LENGTH = 100;
const SEPARATOR = ':';

export function encodeCustomId(prefix: string, ...args: readonly (string | number)[]): string {
  const parts = [prefix, ...args.map(String)];
  for (const part of parts) {
    if (part.length === 0 || part.includes(SEPARATOR)) throw new RangeError(`custom id part "${part}" must be non-empty and free of "${SEPARATOR}"`);
  }
  const customId = parts.join(SEPARATOR);
  if (customId.length > CUSTOM_ID_MAX_LENGTH) throw new RangeError(`custom id is ${customId.length} characters; Discord allows ${CUSTOM_ID_MAX_LENGTH}`);
  return customId;
}

export function decodeCustomId(customId: string): { readonly prefix: string; readonly args: readonly string[] } {
  const [prefix = '', ...args] = customId.split(SEPARATOR);
  return { prefix, args };
}
