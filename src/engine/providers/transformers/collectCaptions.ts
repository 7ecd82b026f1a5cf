/**
 * Turns a stream of drawn captions into exactly `n` distinct ones when the
 * model allows: duplicates (ignoring case and spacing) and empty captions are
 * skipped; after `maxDraws` draws, the distinct captions found are repeated in
 * order to make up `n`, since a captioner must return exactly `n`.
 */
export async function collectCaptions(
  n: number,
  maxDraws: number,
  draw: (index: number) => Promise<string>,
  signal?: AbortSignal,
): Promise<string[]> {
  const unique: string[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < maxDraws && unique.length < n; index++) {
    signal?.throwIfAborted();
    const caption = tidyCaption(await draw(index));
    const key = caption.toLowerCase();
    if (caption === '' || seen.has(key)) continue;
    seen.add(key);
    unique.push(caption);
  }
  if (unique.length === 0) return [];
  return Array.from({ length: n }, (_, i) => unique[i % unique.length] as string);
}

export function tidyCaption(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
