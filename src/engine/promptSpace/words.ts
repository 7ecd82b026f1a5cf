/**
 * Captions → candidate words: lower-cased, punctuation and stop-words
 * removed, de-duplicated in first-seen order.
 */

/** English function words (NLTK's list, trimmed) plus captioner filler that never describes the image. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a an the and or but if of at by for with about against between into through during before after above below to from
up down in out on off over under again further then once here there when where why how all any both each few more most
other some such no nor not only own same so than too very s t can will just don should now is are was were be been being
have has had having do does did doing i me my we our you your he him his she her it its they them their what which who
whom this that these those am would could there's it's this's arafed araffe`.split(/\s+/),
);

export function tokenize(caption: string): string[] {
  return caption
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^['-]+|['-]+$/g, ''))
    .filter((w) => w.length > 0);
}

/** Unique content words of all captions, in the order they first appear. */
export function extractWords(captions: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const caption of captions) {
    for (const word of tokenize(caption)) {
      if (!STOP_WORDS.has(word)) seen.add(word);
    }
  }
  return [...seen];
}
