/**
 * Leaderboards as pictures. A challenge's card ranks players' best prompts
 * and the machine's entries on one scale, machine rows tinted and badged so
 * "people or the machine?" reads at a glance; the server card ranks players
 * by points. Canvas fonts may lack emoji, so the card draws a badge where the
 * embed writes 🤖.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { font } from '../../engine/reports/fonts.js';
import { truncateToWidth } from '../../engine/reports/text.js';
import { theme } from '../../engine/reports/theme.js';

export interface ChallengeCardRow {
  readonly rank: number;
  readonly label: string;
  readonly prompt: string;
  readonly mean: number;
  readonly sd: number;
  readonly machine: boolean;
}

export interface ServerCardRow {
  readonly rank: number;
  readonly name: string;
  readonly points: number;
  readonly winsAgainstMachine: number;
}

export const LEADERBOARD_CARD_WIDTH = 760;
const PAD = 16;
const HEADER = 52;
const ROW = 34;
const MACHINE_TINT = '#eef2ff';
const MACHINE_BADGE = '#4338ca';

function frame(title: string, rows: number): { ctx: SKRSContext2D; encode: () => Promise<Uint8Array> } {
  const height = HEADER + Math.max(1, rows) * ROW + PAD;
  const canvas = createCanvas(LEADERBOARD_CARD_WIDTH, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, LEADERBOARD_CARD_WIDTH, height);
  ctx.fillStyle = theme.text;
  ctx.font = font(17, 'bold');
  ctx.textBaseline = 'middle';
  ctx.fillText(truncateToWidth(ctx, title, LEADERBOARD_CARD_WIDTH - PAD * 2), PAD, HEADER / 2);
  if (rows === 0) {
    ctx.fillStyle = theme.muted;
    ctx.font = font(14);
    ctx.fillText('No entries yet.', PAD, HEADER + ROW / 2);
  }
  return { ctx, encode: () => canvas.encode('png') };
}

/** Strips the embed's emoji prefix: the card shows a badge instead. */
function plainLabel(label: string): string {
  return label.replace(/^🤖\s*/u, '');
}

export async function renderChallengeCard(title: string, rows: readonly ChallengeCardRow[]): Promise<Uint8Array> {
  const { ctx, encode } = frame(title, rows.length);
  const scoreWidth = 210;
  const nameWidth = 270;
  const promptLeft = PAD + 44 + nameWidth;
  const promptWidth = LEADERBOARD_CARD_WIDTH - promptLeft - scoreWidth - PAD;
  const top = Math.max(...rows.map((row) => row.mean), 0) || 1;
  rows.forEach((row, i) => {
    const y = HEADER + i * ROW;
    const middle = y + ROW / 2;
    if (row.machine) {
      ctx.fillStyle = MACHINE_TINT;
      ctx.fillRect(0, y, LEADERBOARD_CARD_WIDTH, ROW);
    }
    ctx.textAlign = 'left';
    ctx.fillStyle = theme.muted;
    ctx.font = font(14, 'bold');
    ctx.fillText(`#${row.rank}`, PAD, middle);
    let nameLeft = PAD + 44;
    if (row.machine) {
      ctx.font = font(11, 'bold');
      const badge = 'AI';
      const badgeWidth = ctx.measureText(badge).width + 10;
      ctx.fillStyle = MACHINE_BADGE;
      ctx.fillRect(nameLeft, middle - 9, badgeWidth, 18);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(badge, nameLeft + 5, middle);
      nameLeft += badgeWidth + 6;
    }
    ctx.fillStyle = theme.text;
    ctx.font = font(14, row.rank === 1 ? 'bold' : 'normal');
    ctx.fillText(truncateToWidth(ctx, plainLabel(row.label), PAD + 44 + nameWidth - nameLeft - 8), nameLeft, middle);
    ctx.fillStyle = theme.muted;
    ctx.font = font(13);
    ctx.fillText(truncateToWidth(ctx, `“${row.prompt}”`, promptWidth - 8), promptLeft, middle);
    const barLeft = LEADERBOARD_CARD_WIDTH - PAD - scoreWidth;
    const barWidth = 90;
    ctx.fillStyle = theme.panel;
    ctx.fillRect(barLeft, y + 11, barWidth, ROW - 22);
    ctx.fillStyle = row.machine ? MACHINE_BADGE : theme.highlightBorder;
    ctx.fillRect(barLeft, y + 11, Math.max(2, (Math.max(row.mean, 0) / top) * barWidth), ROW - 22);
    ctx.fillStyle = theme.text;
    ctx.font = font(13, 'bold');
    ctx.fillText(`${row.mean.toFixed(3)} ± ${row.sd.toFixed(3)}`, barLeft + barWidth + 8, middle);
  });
  return encode();
}

export async function renderServerCard(title: string, rows: readonly ServerCardRow[]): Promise<Uint8Array> {
  const { ctx, encode } = frame(title, rows.length);
  rows.forEach((row, i) => {
    const y = HEADER + i * ROW;
    const middle = y + ROW / 2;
    ctx.textAlign = 'left';
    ctx.fillStyle = theme.muted;
    ctx.font = font(14, 'bold');
    ctx.fillText(`#${row.rank}`, PAD, middle);
    ctx.fillStyle = theme.text;
    ctx.font = font(14, row.rank === 1 ? 'bold' : 'normal');
    ctx.fillText(truncateToWidth(ctx, row.name, 360), PAD + 44, middle);
    ctx.textAlign = 'right';
    ctx.font = font(14, 'bold');
    ctx.fillText(`${row.points} pts`, LEADERBOARD_CARD_WIDTH - PAD - 190, middle);
    ctx.fillStyle = theme.muted;
    ctx.font = font(13);
    ctx.fillText(`beat the machine ×${row.winsAgainstMachine}`, LEADERBOARD_CARD_WIDTH - PAD, middle);
  });
  return encode();
}
