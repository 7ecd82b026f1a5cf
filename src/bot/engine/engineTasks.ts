/**
 * The engine work the bot needs, as it runs inside an engine thread: build a
 * challenge's prompt space, judge a player's prompt, check a provider choice.
 * A player's prompt is judged exactly as the machine's are: `evaluatePrompt`
 * on the same fixed `evaluationSeeds`, through the same `ImageScorer`.
 *
 * Only engine threads import this module (it loads the providers and their
 * models); the main thread talks to it through `engineThreads.ts`.
 */
import { createHash } from 'node:crypto';
import { loadRuntimeConfig } from '../../config/runtime.js';
import { evaluatePrompt, evaluationSeeds } from '../../engine/baselines/evaluate.js';
import { HyperparameterError } from '../../engine/training/hyperparameters.js';
import { PromptSpaceError, buildPromptSpace } from '../../engine/promptSpace/promptSpace.js';
import { BudgetExceededError, MissingKeyError, ProviderError, RateLimitError, SafetyRefusalError } from '../../engine/providers/errors.js';
import { SHAPES_MODEL_ID } from '../../engine/providers/shapes/index.js';
import { createProviderStack } from '../../engine/providers/stack.js';
import type { ProviderStack } from '../../engine/providers/types.js';
import { ImageScorer } from '../../engine/training/imageScorer.js';
import type { BuildPromptSpaceInput, ChallengePromptSpace, EvaluateGuessInput, GuessEvaluation, ProviderCheck, ProviderConfig, WireError } from './protocol.js';

/** Generator calls in flight for one evaluation (the efficient preset's concurrency). */
const EVALUATION_CONCURRENCY = 4;
/** Target embeddings kept per thread: a busy challenge is judged against the same target many times. */
const TARGET_EMBEDDING_CACHE_SIZE = 32;

/** Input a task cannot run with; its message is written for the user. */
export class InvalidTaskInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTaskInputError';
  }
}

export class EngineTaskRunner {
  private readonly stacks = new Map<string, ProviderStack>();
  private readonly targetEmbeddings = new Map<string, Float32Array>();

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  /** One stack per provider choice, built on first use (models load once per thread). */
  stack(config: ProviderConfig): ProviderStack {
    if (config.generator === 'shapes' && config.model !== undefined && config.model !== SHAPES_MODEL_ID) {
      throw new InvalidTaskInputError(`The shapes world has one model, ${SHAPES_MODEL_ID} (got "${config.model}").`);
    }
    const key = `${config.generator}\u0000${config.model ?? ''}`;
    let stack = this.stacks.get(key);
    if (!stack) {
      const runtime = loadRuntimeConfig(this.env);
      stack = createProviderStack({
        generator: config.generator,
        ...(config.model !== undefined && config.generator !== 'shapes' ? { model: config.model } : {}),
        modelsDir: runtime.modelsDir,
        offline: runtime.offline,
        env: this.env,
      });
      this.stacks.set(key, stack);
    }
    return stack;
  }

  private async targetEmbedding(stack: ProviderStack, targetPng: Uint8Array, signal?: AbortSignal): Promise<Float32Array> {
    const key = `${stack.embedder.id}\u0000${createHash('sha256').update(targetPng).digest('hex')}`;
    const cached = this.targetEmbeddings.get(key);
    if (cached) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.targetEmbeddings.delete(key);
      this.targetEmbeddings.set(key, cached);
      return cached;
    }
    const [embedding] = (await stack.embedder.embedImages([targetPng], signal)) as [Float32Array];
    this.targetEmbeddings.set(key, embedding);
    if (this.targetEmbeddings.size > TARGET_EMBEDDING_CACHE_SIZE) {
      const oldest = this.targetEmbeddings.keys().next().value;
      if (oldest !== undefined) this.targetEmbeddings.delete(oldest);
    }
    return embedding;
  }

  async buildPromptSpace(input: BuildPromptSpaceInput, signal?: AbortSignal): Promise<ChallengePromptSpace> {
    const stack = this.stack(input.providerConfig);
    const targetEmbedding = await this.targetEmbedding(stack, input.targetPng, signal);
    const captions = await stack.captioner.caption(input.targetPng, input.captions, { seed: input.seed, signal });
    const space = await buildPromptSpace({ captions, embedder: stack.embedder, targetEmbedding, size: input.words, minimumWords: input.promptLength, signal });
    return { words: space.words, probabilities: space.probabilities, captions: space.captions, captionerId: stack.captioner.id };
  }

  async evaluateGuess(input: EvaluateGuessInput, signal?: AbortSignal): Promise<GuessEvaluation> {
    if (input.prompt.trim() === '') throw new InvalidTaskInputError('The prompt is empty.');
    const stack = this.stack(input.providerConfig);
    const targetEmbedding = await this.targetEmbedding(stack, input.targetPng, signal);
    const scorer = new ImageScorer({
      generator: stack.generator,
      embedder: stack.embedder,
      targetEmbedding,
      size: input.imageSize,
      concurrency: EVALUATION_CONCURRENCY,
      maxCostUsd: input.maxCostUsd ?? null,
    });
    const evaluation = await evaluatePrompt(scorer, input.prompt, evaluationSeeds(input.k), signal);
    return {
      mean: evaluation.mean,
      sd: evaluation.sd,
      similarities: evaluation.similarities,
      images: evaluation.images.map((scored) => scored.image.bytes),
      costUsd: scorer.usage.costUsd,
      modelId: stack.generator.modelId,
    };
  }

  checkProvider(config: ProviderConfig): ProviderCheck {
    const stack = this.stack(config);
    return { generator: config.generator, modelId: stack.generator.modelId, description: stack.description };
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** The error as it crosses to the main thread: what kind it is, and what (if anything) a player may read. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { kind: 'internal', name: 'Error', message: String(error) };
  const base = { name: error.name, message: error.message, ...(error.stack !== undefined ? { stack: error.stack } : {}) };
  if (error instanceof SafetyRefusalError) return { ...base, kind: 'safety-refusal', userMessage: error.userMessage };
  if (error instanceof RateLimitError) {
    return { ...base, kind: 'rate-limited', userMessage: error.message, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
  }
  if (error instanceof MissingKeyError) return { ...base, kind: 'missing-key', userMessage: error.message };
  if (error instanceof BudgetExceededError) return { ...base, kind: 'budget', userMessage: error.message };
  // Provider errors carry messages written for users and free of secrets (see providers/errors.ts).
  if (error instanceof ProviderError) return { ...base, kind: 'provider', userMessage: error.message };
  // Its message speaks of CLI flags; the bot words its own.
  if (error instanceof PromptSpaceError) return { ...base, kind: 'prompt-space' };
  if (error instanceof InvalidTaskInputError || error instanceof HyperparameterError) return { ...base, kind: 'invalid-input', userMessage: error.message };
  if (isAbort(error)) return { ...base, kind: 'cancelled', userMessage: 'The request was cancelled.' };
  return { ...base, kind: 'internal' };
}
