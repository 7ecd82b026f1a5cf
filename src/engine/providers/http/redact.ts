/**
 * Strips credentials from any text that may leave a provider module: error
 * details echoed by an API, URLs, SDK messages. Replicate tokens start with
 * `r8_`, OpenAI keys with `sk-` (OpenAI's own 401 message echoes a masked key
 * such as `sk-proj-****abcd`, which is still removed).
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\br8_[A-Za-z0-9_*-]+/g,
  /\bsk-[A-Za-z0-9_*-]+/g,
  /\b(Bearer|Token)\s+[A-Za-z0-9._~+/=*-]+/gi,
];

export function redactSecrets(text: string): string {
  let redacted = text;
  for (const pattern of SECRET_PATTERNS) {
    redacted = redacted.replace(pattern, (match) =>
      /^(bearer|token)\s/i.test(match) ? `${match.split(/\s+/)[0]} [redacted]` : '[redacted]',
    );
  }
  return redacted;
}

/** Long API bodies are cut so an error message stays one readable line. */
export function summarizeDetail(text: string, maxLength = 300): string {
  const oneLine = redactSecrets(text).replace(/\s+/g, ' ').trim();
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength)}…` : oneLine;
}
