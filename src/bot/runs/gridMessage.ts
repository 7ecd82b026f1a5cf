/**
 * One posted batch of a run's images: a 2×2 grid picture, each image's prompt
 * and similarity, 👍/👎 buttons per image (custom ids `vote:<imageSha>:up|down`)
 * and keycap reactions 1️⃣–4️⃣ as a fallback up-vote. The buttons are also the
 * message's record of which images it shows, in order, so a reaction on an
 * old message (even after a restart) maps back to its image.
 */
import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import { renderImageGrid } from '../../engine/reports/imageGrid.js';
import { decodeCustomId, encodeCustomId } from '../interactions/customId.js';
import { formatMarker } from './markers.js';
import { quotePrompt } from './statusView.js';

export const IMAGES_PER_GRID = 4;
export const VOTE_PREFIX = 'vote';
/** Reaction n (1-based) up-votes image n of the grid. */
export const KEYCAP_EMOJIS = ['1️⃣', '2️⃣', '3️⃣', '4️⃣'] as const;

export interface GridEntry {
  /** Number of the `image-generated` event. */
  readonly seq: number;
  readonly iteration: number;
  readonly prompt: string;
  readonly imageSha: string;
  readonly similarity: number;
}

export interface GridMessage {
  readonly content: string;
  readonly components: APIActionRowComponent<APIButtonComponent>[];
  readonly files: { readonly name: string; readonly attachment: Buffer; readonly description: string }[];
  readonly allowedMentions: { readonly parse: [] };
}

/** Two buttons per image, two images per row. */
export function voteRows(entries: readonly Pick<GridEntry, 'imageSha'>[]): APIActionRowComponent<APIButtonComponent>[] {
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let start = 0; start < entries.length; start += 2) {
    const buttons = entries.slice(start, start + 2).flatMap((entry, offset): APIButtonComponent[] => {
      const n = start + offset + 1;
      return [
        { type: ComponentType.Button, style: ButtonStyle.Success, label: `${n} 👍`, custom_id: encodeCustomId(VOTE_PREFIX, entry.imageSha, 'up') },
        { type: ComponentType.Button, style: ButtonStyle.Secondary, label: `${n} 👎`, custom_id: encodeCustomId(VOTE_PREFIX, entry.imageSha, 'down') },
      ];
    });
    rows.push({ type: ComponentType.ActionRow, components: buttons });
  }
  return rows;
}

export function gridContent(runId: number, entries: readonly GridEntry[]): string {
  const iteration = entries[0]?.iteration ?? 0;
  const lines = entries.map((entry, i) => `**${i + 1}.** ${quotePrompt(entry.prompt)} — similarity ${entry.similarity.toFixed(3)}`);
  return [
    `**Run #${runId}** · iteration ${iteration + 1}`,
    ...lines,
    `Vote with the buttons, or react ${KEYCAP_EMOJIS.slice(0, entries.length).join(' ')} to up-vote.`,
    formatMarker({ kind: 'grid', runId, iteration, throughSeq: Math.max(...entries.map((entry) => entry.seq)) }),
  ].join('\n');
}

/** The whole message; `images[i]` holds the bytes of `entries[i]` (from the blob store). */
export async function buildGridMessage(
  runId: number,
  entries: readonly GridEntry[],
  images: readonly Uint8Array[],
  options: { cell?: number } = {},
): Promise<GridMessage> {
  if (entries.length === 0 || entries.length > IMAGES_PER_GRID) throw new RangeError(`a grid holds 1 to ${IMAGES_PER_GRID} images (got ${entries.length})`);
  const png = await renderImageGrid(
    entries.map((entry, i) => ({ bytes: images[i]!, prompt: entry.prompt, score: entry.similarity, detail: `#${i + 1}` })),
    { columns: entries.length === 1 ? 1 : 2, cell: options.cell ?? 192, scoreLabel: 'similarity' },
  );
  return {
    content: gridContent(runId, entries),
    components: voteRows(entries),
    files: [{ name: `run-${runId}-images.png`, attachment: Buffer.from(png), description: entries.map((entry) => entry.prompt).join(' | ').slice(0, 1000) }],
    allowedMentions: { parse: [] },
  };
}

/** Image shas of a grid message in order, read back from its vote buttons. */
export function gridImageShas(components: readonly unknown[]): string[] {
  const shas: string[] = [];
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const customId = 'customId' in node ? node.customId : 'custom_id' in node ? node.custom_id : undefined;
    if (typeof customId === 'string') {
      const { prefix, args } = decodeCustomId(customId);
      const sha = args[0];
      if (prefix === VOTE_PREFIX && sha !== undefined && !shas.includes(sha)) shas.push(sha);
    }
    const children = 'components' in node ? node.components : undefined;
    if (Array.isArray(children)) children.forEach(visit);
  };
  components.forEach(visit);
  return shas;
}

/** Which image (0-based) a keycap reaction stands for, if any. */
export function keycapIndex(emoji: string | null): number | undefined {
  if (emoji === null) return undefined;
  const index = KEYCAP_EMOJIS.indexOf(emoji as (typeof KEYCAP_EMOJIS)[number]);
  return index < 0 ? undefined : index;
}
