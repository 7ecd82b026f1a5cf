/**
 * What the bot's main thread and its engine threads say to each other. Types
 * only: both sides import this file, and neither loads any engine code by it.
 *
 * Byte fields are `ArrayBuffer`s of exactly the payload's length, moved in the
 * message's transfer list (never copied, never a slice of a larger pool).
 */
import type { GeneratorChoice } from '../../engine/providers/stack.js';

/** Which image model a guild plays with; API keys are read inside the thread, from its environment. */
export interface ProviderConfig {
  readonly generator: GeneratorChoice;
  /** The generator's model; its default when absent. The shapes world has one model. */
  readonly model?: string;
}

export interface BuildPromptSpaceInput {
  /** The normalised target image (PNG). */
  readonly targetPng: Uint8Array;
  readonly providerConfig: ProviderConfig;
  /** C: captions to ask the captioner for. */
  readonly captions: number;
  /** P: words to keep. */
  readonly words: number;
  /** T: prompt length; the space must hold at least this many words. */
  readonly promptLength: number;
  /** Seeds the captioner, so one image always gets the same space. */
  readonly seed: number;
}

export interface ChallengePromptSpace {
  readonly words: string[];
  /** One per word, summing to 1 (the paper's normalisation over the top P). */
  readonly probabilities: number[];
  readonly captions: string[];
  readonly captionerId: string;
}

export interface EvaluateGuessInput {
  readonly targetPng: Uint8Array;
  readonly prompt: string;
  readonly providerConfig: ProviderConfig;
  /** K: images drawn on the fixed evaluation seeds, as for every machine prompt. */
  readonly k: number;
  /** Square side asked of the generator. */
  readonly imageSize: number;
  /** Most this evaluation may spend, in US dollars (`undefined`: no cap). */
  readonly maxCostUsd?: number;
}

export interface GuessEvaluation {
  readonly mean: number;
  readonly sd: number;
  /** One per image, in seed order. */
  readonly similarities: number[];
  /** The K images as the generator encoded them (PNG for the shapes world). */
  readonly images: Uint8Array[];
  readonly costUsd: number;
  readonly modelId: string;
}

export interface ProviderCheck {
  readonly generator: GeneratorChoice;
  /** The model that would draw, after defaults. */
  readonly modelId: string;
  readonly description: string;
}

// ── Wire format ───────────────────────────────────────────────────────────────

export type TaskRequest =
  | {
      readonly kind: 'build-prompt-space';
      readonly input: Omit<BuildPromptSpaceInput, 'targetPng'> & { readonly targetPng: ArrayBuffer };
    }
  | {
      readonly kind: 'evaluate-guess';
      readonly input: Omit<EvaluateGuessInput, 'targetPng'> & { readonly targetPng: ArrayBuffer };
    }
  | { readonly kind: 'check-provider'; readonly input: ProviderConfig };

export type WireResult =
  | { readonly kind: 'build-prompt-space'; readonly value: ChallengePromptSpace }
  | { readonly kind: 'evaluate-guess'; readonly value: Omit<GuessEvaluation, 'images'> & { readonly images: ArrayBuffer[] } }
  | { readonly kind: 'check-provider'; readonly value: ProviderCheck };

/** An error as it crosses the thread boundary (see `taskErrors.ts`). */
export interface WireError {
  readonly kind: EngineErrorKind;
  readonly name: string;
  /** For logs: may name internals, never a secret (providers redact before throwing). */
  readonly message: string;
  /** Safe to show players; absent for internal failures. */
  readonly userMessage?: string;
  readonly retryAfterMs?: number;
  readonly stack?: string;
}

export type EngineErrorKind =
  | 'safety-refusal'
  | 'rate-limited'
  | 'missing-key'
  | 'budget'
  | 'provider'
  | 'prompt-space'
  | 'invalid-input'
  | 'timeout'
  | 'cancelled'
  | 'worker-crashed'
  | 'pool-closed'
  | 'internal';

export type ToWorker = { readonly type: 'run'; readonly id: number; readonly request: TaskRequest } | { readonly type: 'cancel'; readonly id: number };

export type FromWorker =
  | { readonly type: 'ready'; readonly threadId: number }
  | { readonly type: 'done'; readonly id: number; readonly result: WireResult; readonly threadId: number; readonly ms: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError; readonly threadId: number; readonly ms: number };
