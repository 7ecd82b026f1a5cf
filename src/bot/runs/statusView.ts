/**
 * The live status message of a run, as plain Discord message data: a pure
 * function of the run's row and its folded events, so the same state always
 * renders the same message (and the live status skips identical edits).
 */
import type { APIEmbed } from 'discord.js';
import type { Run, RunStatus } from '../../db/index.js';
import { progressBar } from '../status/progressBar.js';
import { formatMarker } from './markers.js';
import { type RunProgress, trainingFraction } from './runProgress.js';
import { sparkline, TREND_ARROWS, trendDirection } from './trend.js';

export interface StatusMessage {
  readonly content: string;
  readonly embeds: APIEmbed[];
  readonly allowedMentions: { readonly parse: [] };
}

export interface StatusInput {
  readonly run: Pick<Run, 'id' | 'status' | 'preset' | 'cancelRequestedAt' | 'requestedBy' | 'hyperparameters' | 'learnedPrompt'>;
  readonly progress: RunProgress;
  /** 1 = next to start; only for queued runs. */
  readonly queuePosition: number | undefined;
  /** Images posted in the thread so far, and images not shown (per-iteration cap). */
  readonly imagesPosted: number;
}

const COLOURS: Record<RunStatus, number> = {
  queued: 0x64748b,
  running: 0x4f46e5,
  completed: 0x16a34a,
  failed: 0xdc2626,
  cancelled: 0xf59e0b,
  budget: 0xf59e0b,
};

const PHASE_LABELS: Record<string, string> = {
  captioning: 'captioning the target',
  'prompt-space': 'building the prompt space',
  training: 'training',
  evaluating: 'evaluating the learned prompt',
  baselines: 'evaluating the baselines',
};

const ordinal = (n: number): string => {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
};

const score = (value: number | null | undefined): string => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(3) : '–');

/** Prompts are user-influenced text: keep them out of markdown's way. */
export function quotePrompt(prompt: string): string {
  const clean = prompt.replace(/[`*_~|>\\]/g, '').slice(0, 200);
  return clean.length > 0 ? `“${clean}”` : '(empty prompt)';
}

function headline(input: StatusInput): string {
  const { run } = input;
  switch (run.status) {
    case 'queued':
      return input.queuePosition === undefined ? 'queued' : `queued — ${ordinal(input.queuePosition)} in line`;
    case 'running':
      if (run.cancelRequestedAt !== null) return 'stopping…';
      return PHASE_LABELS[input.progress.phase ?? ''] ?? 'starting';
    case 'completed':
      return 'finished';
    case 'cancelled':
      return 'stopped';
    case 'budget':
      return 'stopped: budget reached';
    case 'failed':
      return 'failed';
  }
}

function lines(input: StatusInput): string[] {
  const { run, progress } = input;
  const out: string[] = [];
  const total = progress.totalIterations ?? run.hyperparameters.iterations;
  const fraction = run.status === 'completed' ? 1 : trainingFraction(progress);
  out.push(`${progressBar(fraction)} · iteration ${Math.min(progress.iterationsDone + (run.status === 'running' && progress.iterationsDone < total ? 1 : 0), total)}/${total}`);
  const best = progress.best ?? (progress.history.length > 0 ? bestGreedy(progress) : undefined);
  const greedy = progress.history.at(-1)?.greedyPrompt;
  if (best) out.push(`Best prompt so far: **${quotePrompt(best.prompt)}** (${score(best.reward)})`);
  // The paper's preset scores no prompt on fixed seeds: show what the policy would say now.
  else if (greedy) out.push(`The policy’s prompt now: **${quotePrompt(greedy)}**`);
  const rewards = progress.history.map((point) => point.meanReturn ?? Number.NaN);
  if (rewards.some(Number.isFinite)) {
    const latest = rewards.filter(Number.isFinite).at(-1);
    out.push(`Reward trend: \`${sparkline(rewards)}\` ${TREND_ARROWS[trendDirection(rewards)]} ${score(latest)}`);
  }
  if (progress.imagesGenerated > 0 || input.imagesPosted > 0) out.push(`Images: ${progress.imagesGenerated} generated · ${input.imagesPosted} posted below`);
  const lambda = run.hyperparameters.humanFeedbackWeight;
  if (lambda > 0 && (run.status === 'running' || run.status === 'queued')) out.push(`Votes count: λ = ${lambda} of each image's reward comes from your 👍/👎.`);
  if (run.status === 'running' && run.cancelRequestedAt !== null) out.push('A stop was requested: the run stops within one episode.');
  if (run.status === 'cancelled') out.push(run.cancelRequestedAt !== null ? 'Stopped on request (/stop).' : 'Stopped.');
  if (run.status === 'failed') out.push('The run failed; the error was logged for the operators.');
  const learned = progress.finalStatus?.learnedPrompt ?? run.learnedPrompt ?? progress.finished?.prompt;
  if ((run.status === 'completed' || run.status === 'budget' || run.status === 'cancelled') && learned) out.push(`Learned prompt: **${quotePrompt(learned)}**`);
  return out;
}

function bestGreedy(progress: RunProgress): { prompt: string; reward: number } | undefined {
  const scored = progress.history.filter((point) => point.greedyReward !== null && point.greedyPrompt.length > 0);
  if (scored.length === 0) return undefined;
  const top = scored.reduce((a, b) => ((b.greedyReward ?? -Infinity) > (a.greedyReward ?? -Infinity) ? b : a));
  return { prompt: top.greedyPrompt, reward: top.greedyReward ?? Number.NaN };
}

export function renderStatus(input: StatusInput): StatusMessage {
  const { run } = input;
  const requester = run.requestedBy ? ` for <@${run.requestedBy}>` : '';
  return {
    content: formatMarker({ kind: 'status', runId: run.id }),
    embeds: [
      {
        title: `Run #${run.id} — ${headline(input)}`,
        description: [`Preset **${run.preset}**${requester}`, ...lines(input)].join('\n').slice(0, 4096),
        color: COLOURS[run.status],
      },
    ],
    allowedMentions: { parse: [] },
  };
}
