/**
 * The message that closes a run in its thread: the learned prompt and its
 * evaluation, the reward curve as a picture, and how the machine stands
 * against the players' own prompts for the challenge.
 */
import type { ChallengeLeaderboardEntry, Run, RunEvaluation } from '../../db/index.js';
import { renderRewardCurve } from '../../engine/reports/rewardCurve.js';
import type { IterationStats } from '../../engine/reports/types.js';
import { formatMarker } from './markers.js';
import type { RunProgress } from './runProgress.js';
import { quotePrompt } from './statusView.js';

export interface SummaryMessage {
  readonly content: string;
  readonly files: { readonly name: string; readonly attachment: Buffer; readonly description: string }[];
  readonly allowedMentions: { readonly parse: [] };
}

export interface SummaryInput {
  readonly run: Pick<Run, 'id' | 'status' | 'learnedPrompt' | 'learnedReward' | 'generationsUsed' | 'costUsd'>;
  readonly progress: RunProgress;
  readonly evaluations: readonly RunEvaluation[];
  readonly leaderboard: readonly ChallengeLeaderboardEntry[];
}

const METHOD_LABELS: Record<string, string> = {
  learned: 'learned (REINFORCE)',
  greedy: 'greedy CLIP words',
  caption: 'caption as prompt',
  random: 'random search',
  exhaustive: 'exhaustive search',
};

const OUTCOMES: Record<Run['status'], string> = {
  queued: 'is queued',
  running: 'is running',
  completed: 'finished',
  budget: 'stopped at its budget',
  cancelled: 'was stopped',
  failed: 'failed',
};

function leaderboardLine(entry: ChallengeLeaderboardEntry, runId: number): string {
  const who = entry.kind === 'human' ? `👤 ${entry.displayName.replace(/[`*_~|>\\@]/g, '').slice(0, 40)}` : `🤖 the machine, ${METHOD_LABELS[entry.method] ?? entry.method}${entry.runId === runId ? ' (this run)' : ` (run #${entry.runId})`}`;
  return `${entry.rank}. ${who} — ${quotePrompt(entry.prompt)} ${entry.meanSimilarity.toFixed(3)} ± ${entry.sdSimilarity.toFixed(3)}`;
}

/** One sentence on who is ahead: the best player's prompt against this run's learned prompt. */
export function verdict(learned: RunEvaluation | undefined, leaderboard: readonly ChallengeLeaderboardEntry[]): string | undefined {
  const bestHuman = leaderboard.find((entry) => entry.kind === 'human');
  if (learned === undefined) return undefined;
  if (bestHuman === undefined || bestHuman.kind !== 'human') return 'No player has guessed yet: try to beat the machine with /guess.';
  const gap = bestHuman.meanSimilarity - learned.meanSimilarity;
  const name = bestHuman.displayName.replace(/[`*_~|>\\@]/g, '').slice(0, 40);
  if (gap > 0) return `👤 ${name} beats the machine by ${gap.toFixed(3)}.`;
  if (gap < 0) return `🤖 The machine beats the best player (${name}) by ${(-gap).toFixed(3)}.`;
  return `👤 ${name} and the machine are level.`;
}

function curveStats(progress: RunProgress): IterationStats[] {
  return progress.history.map((point) => ({
    iteration: point.iteration,
    meanReturn: point.meanReturn ?? Number.NaN,
    meanFinalReward: point.meanFinalReward ?? Number.NaN,
    greedyPrompt: point.greedyPrompt,
    greedyReward: point.greedyReward,
  }));
}

export async function buildSummaryMessage(input: SummaryInput): Promise<SummaryMessage> {
  const { run, progress } = input;
  const learned = input.evaluations.find((evaluation) => evaluation.method === 'learned');
  const prompt = learned?.prompt ?? run.learnedPrompt ?? progress.finalStatus?.learnedPrompt ?? progress.finished?.prompt;
  const lines = [`**Run #${run.id} ${OUTCOMES[run.status]}.**`];
  if (prompt) lines.push(`Learned prompt: **${quotePrompt(prompt)}**`);
  if (learned) lines.push(`Evaluation: similarity ${learned.meanSimilarity.toFixed(3)} ± ${learned.sdSimilarity.toFixed(3)} on ${learned.imageShas.length} fresh images.`);
  lines.push(`${run.generationsUsed} images generated${run.costUsd > 0 ? ` · $${run.costUsd.toFixed(2)}` : ''}.`);
  const board = input.leaderboard.slice(0, 6);
  if (board.length > 0) {
    lines.push('', '**Humans vs machine**', ...board.map((entry) => leaderboardLine(entry, run.id)));
  }
  const said = verdict(learned, input.leaderboard);
  if (said) lines.push(said);

  const stats = curveStats(progress);
  const files =
    stats.length > 0
      ? [{ name: `run-${run.id}-reward-curve.png`, attachment: Buffer.from(await renderRewardCurve(stats, { width: 720, height: 360 })), description: `Reward per iteration of run ${run.id}` }]
      : [];
  // The marker must survive any cut: it is how a restarted bot knows the summary is posted.
  const marker = formatMarker({ kind: 'summary', runId: run.id });
  const content = `${lines.join('\n').slice(0, 2000 - marker.length - 1)}\n${marker}`;
  return { content, files, allowedMentions: { parse: [] } };
}
