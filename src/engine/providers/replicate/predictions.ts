import type Replicate from 'replicate';
import type { Prediction } from 'replicate';
import { ProviderError, SafetyRefusalError } from '../errors.js';
import type { CallPolicy } from '../http/callPolicy.js';
import { ProviderTimeoutError } from '../http/failures.js';
import { summarizeDetail } from '../http/redact.js';
import { withTimeout } from '../http/timeout.js';
import { callReplicate, REPLICATE_PROVIDER } from './client.js';

/** `owner/name` (an official model, run by name) or `owner/name:version` (any model, pinned). */
export type ReplicateModelRef = `${string}/${string}` | `${string}/${string}:${string}`;

export function parseModelRef(ref: string): { model: string } | { version: string } {
  const match = /^([\w.-]+)\/([\w.-]+)(?::([0-9a-f]{64}))?$/.exec(ref);
  if (!match) throw new ProviderError(`Not a Replicate model reference: "${ref}" (expected owner/name or owner/name:<64-hex version>).`, REPLICATE_PROVIDER);
  return match[3] ? { version: match[3] } : { model: `${match[1]}/${match[2]}` };
}

const FINISHED = new Set<Prediction['status']>(['succeeded', 'failed', 'canceled', 'aborted']);

/**
 * Replicate's safety checkers fail the prediction with text such as "NSFW
 * content detected in all outputs…" (cog-flux, Stable Diffusion) or "…flagged
 * as sensitive… (E005)".
 */
const SAFETY_FAILURE = /nsfw|safety|unsafe|sensitive|content polic|E005/i;

export const REPLICATE_SAFETY_MESSAGE = "The image model's safety filter blocked this prompt or its image; try different words.";

export interface RunPredictionOptions {
  signal?: AbortSignal;
  /** Between status polls when sync mode returned before the model finished. */
  pollIntervalMs: number;
  /**
   * True when the output can be used although the status is not final yet:
   * in sync mode Replicate answers as soon as all output files exist.
   */
  outputReady?: (prediction: Prediction) => boolean;
}

/**
 * Sync mode (`Prefer: wait=n`) keeps the create request open up to n seconds;
 * n stays below our per-request time limit so we always learn the prediction
 * id (and can cancel it) instead of timing out blind.
 */
export function preferWaitSeconds(timeoutMs: number): number {
  return Math.max(1, Math.min(60, Math.floor(timeoutMs / 1000) - 5));
}

/**
 * Why not `replicate.run`: in replicate 1.4 it does not hand the AbortSignal to
 * the create request or to its polls (it only looks at it between polls), and
 * it wraps only https/data URLs as FileOutput. The predictions API gives us
 * each request separately, so every one gets our signal, time limit and retries.
 *
 * Creates a prediction and waits for it. Only the create request is retried
 * (a 429 or 5xx means no prediction was made); once one exists it is polled,
 * never re-created, so a retry can never pay twice. If we stop waiting
 * (cancellation, time limit, failed polls) the prediction is canceled.
 */
export async function runPrediction(
  client: Replicate,
  policy: CallPolicy,
  ref: ReplicateModelRef,
  input: Record<string, unknown>,
  options: RunPredictionOptions,
): Promise<Prediction> {
  const { signal } = options;
  const target = parseModelRef(ref);
  const wait = preferWaitSeconds(policy.timeoutMs);
  let prediction = await policy.request(
    (attemptSignal) => callReplicate(() => client.predictions.create({ ...target, input, wait, signal: attemptSignal })),
    signal,
    'prediction request',
  );
  const deadline = Date.now() + policy.timeoutMs;
  try {
    while (!FINISHED.has(prediction.status) && !options.outputReady?.(prediction)) {
      if (Date.now() >= deadline) throw new ProviderTimeoutError(REPLICATE_PROVIDER, policy.timeoutMs, 'prediction');
      await policy.timing.sleep(options.pollIntervalMs, signal);
      const id = prediction.id;
      prediction = await policy.request(
        (attemptSignal) => callReplicate(() => client.predictions.get(id, { signal: attemptSignal })),
        signal,
        'prediction poll',
      );
    }
  } catch (error) {
    void cancelQuietly(client, prediction.id);
    throw error;
  }
  return checkFinished(prediction);
}

function checkFinished(prediction: Prediction): Prediction {
  if (prediction.status === 'failed') {
    const reason = summarizeDetail(String(prediction.error ?? 'no reason given'));
    if (SAFETY_FAILURE.test(reason)) throw new SafetyRefusalError(REPLICATE_PROVIDER, REPLICATE_SAFETY_MESSAGE);
    throw new ProviderError(`Replicate prediction ${prediction.id} failed: ${reason}`, REPLICATE_PROVIDER);
  }
  if (prediction.status === 'canceled' || prediction.status === 'aborted') {
    throw new ProviderError(`Replicate prediction ${prediction.id} was ${prediction.status} before it finished.`, REPLICATE_PROVIDER);
  }
  return prediction;
}

/** Best effort: stop paying for a prediction nobody waits for any more. */
async function cancelQuietly(client: Replicate, id: string): Promise<void> {
  try {
    await withTimeout((signal) => callReplicate(() => client.predictions.cancel(id, { signal })), {
      provider: REPLICATE_PROVIDER,
      timeoutMs: 5_000,
    });
  } catch {
    // The prediction may already be finished or gone; nothing else to do.
  }
}
