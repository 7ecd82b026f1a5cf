/**
 * The prompt space as a small bar chart: one bar per word, its length the
 * word's probability. Posted with a new challenge next to the same numbers
 * as text (the picture is for the eye, the text for search and screen readers).
 */
import { createCanvas } from '@napi-rs/canvas';
import { font } from '../../engine/reports/fonts.js';
import { truncateToWidth } from '../../engine/reports/text.js';
import { theme } from '../../engine/reports/theme.js';

export interface PromptSpaceCardInput {
  readonly words: readonly string[];
  readonly probabilities: readonly number[];
  /** T, shown in the heading. */
  readonly promptLength: number;
}

export const PROMPT_SPACE_CARD_WIDTH = 520;
const PAD = 16;
const HEADER = 44;
const ROW = 28;
const LABEL = 130;

export function promptSpaceCardHeight(words: number): number {
  return HEADER + Math.max(1, words) * ROW + PAD;
}

export async function renderPromptSpaceCard(input: PromptSpaceCardInput): Promise<Uint8Array> {
  if (input.words.length !== input.probabilities.length) throw new RangeError('one probability per word');
  const width = PROMPT_SPACE_CARD_WIDTH;
  const height = promptSpaceCardHeight(input.words.length);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = theme.text;
  ctx.font = font(16, 'bold');
  ctx.textBaseline = 'middle';
  ctx.fillText(`Prompt space · ${input.words.length} words · prompts of ${input.promptLength}`, PAD, HEADER / 2);

  const top = Math.max(...input.probabilities, 0) || 1;
  const barLeft = PAD + LABEL;
  const barRoom = width - barLeft - PAD - 64;
  input.words.forEach((word, i) => {
    const y = HEADER + i * ROW;
    const probability = input.probabilities[i] ?? 0;
    ctx.font = font(14);
    ctx.fillStyle = theme.text;
    ctx.textAlign = 'left';
    ctx.fillText(truncateToWidth(ctx, word, LABEL - 10), PAD, y + ROW / 2);
    ctx.fillStyle = theme.panel;
    ctx.fillRect(barLeft, y + 5, barRoom, ROW - 10);
    ctx.fillStyle = theme.accent;
    ctx.fillRect(barLeft, y + 5, Math.max(2, (probability / top) * barRoom), ROW - 10);
    ctx.fillStyle = theme.muted;
    ctx.font = font(13);
    ctx.fillText(`${(probability * 100).toFixed(1)}%`, barLeft + barRoom + 8, y + ROW / 2);
  });
  return canvas.encode('png');
}
