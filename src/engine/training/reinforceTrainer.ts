/**
 * REINFORCE over the prompt space, in one loop that reads top to bottom:
 *
 *   for each iteration:
 *     1. rollout   — sample episodes: pick T words without replacement, generate, score
 *     2. returns   — G_t = Σ_{k≥t} γ^{k−t} r_k per episode
 *     3. baseline  — centre the returns (none in the paper)
 *     4. update    — Adam step on −mean(log π(a|s)·advantage) − β·entropy
 *     5. greedy    — decode and score the greedy prompt; early stop; checkpoint
 *
 * The first state of every episode is the target image's embedding: no image
 * has been generated yet, and it tells the policy what it is aiming at.
 */
import { Rng } from '../math/random.js';
import { mean } from '../math/vectors.js';
import { PolicyNetwork, type PolicyStep } from '../policy/policyNetwork.js';
import { BudgetExceededError } from '../providers/errors.js';
import type { Embedder } from '../providers/types.js';
import type { BestPrompt, IterationStats, TrainerCheckpoint } from './checkpoint.js';
import type { FinishReason, TrainerEvent, TrainerEventListener } from './events.js';
import { type HumanFeedbackSource, humanScoreWithin, mixReward } from './humanFeedback.js';
import type { Hyperparameters, PresetName } from './hyperparameters.js';
import type { ImageScorer, ScoredImage } from './imageScorer.js';
import { advantages, discountedReturns } from './returns.js';

export interface ReinforceTrainerOptions {
  /** The P words and their prompt-space probabilities. */
  promptSpace: { words: readonly string[]; probabilities: readonly number[] };
  targetEmbedding: Float32Array;
  /** Generates and scores images (owns the cache, concurrency and budget). */
  scorer: ImageScorer;
  /** For the `prompt-text` state. */
  embedder: Embedder;
  hyperparameters: Hyperparameters;
  preset: PresetName;
  /** Seeds the policy initialisation, sampling and generation seeds. */
  seed: number;
  humanFeedback?: HumanFeedbackSource;
  onEvent?: TrainerEventListener;
  /** Awaited after every iteration, e.g. to persist the checkpoint. */
  onCheckpoint?: (checkpoint: TrainerCheckpoint) => Promise<void>;
  resumeFrom?: TrainerCheckpoint;
  signal?: AbortSignal;
}

export interface TrainingResult {
  prompt: string;
  words: string[];
  /** Reward of `prompt` on the training seeds (NaN when it was never scored). */
  reward: number;
  reason: FinishReason;
  iterations: number;
  history: IterationStats[];
  generationsUsed: number;
  generatorCalls: number;
  costUsd: number;
  checkpoint: TrainerCheckpoint;
}

interface Episode {
  steps: PolicyStep[];
  words: string[];
  rewards: number[];
}

/** Seeds at or above this are reserved for evaluation, so training never sees them. */
export const TRAINING_SEED_LIMIT = 1_000_000_000;

export class ReinforceTrainer {
  private readonly h: Hyperparameters;
  private readonly words: readonly string[];
  private policy!: PolicyNetwork;
  private rng!: Rng;
  private trainingSeeds: number[] = [];
  private best: BestPrompt | null = null;
  private contenders = new Map<string, BestPrompt>();
  private selectionSeeds: number[] = [];
  private iterationsWithoutImprovement = 0;
  private history: IterationStats[] = [];
  private readonly textStates = new Map<string, Float32Array>();

  constructor(private readonly options: ReinforceTrainerOptions) {
    this.h = options.hyperparameters;
    this.words = options.promptSpace.words;
    if (this.words.length < this.h.promptLength) {
      throw new Error(`the prompt space has ${this.words.length} words but prompts need ${this.h.promptLength}`);
    }
  }

  private emit(event: TrainerEvent): void {
    this.options.onEvent?.(event);
  }

  async run(): Promise<TrainingResult> {
    const { hyperparameters: h, signal } = this.options;
    const startIteration = await this.restoreOrInitialise();
    this.emit({
      type: 'run-started',
      preset: this.options.preset,
      hyperparameters: h,
      promptSpace: { words: [...this.words], probabilities: [...this.options.promptSpace.probabilities] },
      startIteration,
    });

    let reason: FinishReason = 'completed';
    let iteration = startIteration;
    try {
      for (; iteration < h.iterations; iteration++) {
        signal?.throwIfAborted();
        this.emit({ type: 'iteration-started', iteration });
        const bestBefore = this.best?.reward ?? Number.NEGATIVE_INFINITY;
        const greedyBefore = this.history.at(-1)?.greedyPrompt;

        // 1. Rollout: every episode gets its own RNG, drawn in order, so concurrency cannot change the results.
        const episodeRngs = Array.from({ length: h.episodesPerIteration }, () => new Rng(this.rng.nextUint32()));
        const episodes = await Promise.all(episodeRngs.map((rng, e) => this.rollout(iteration, e, rng)));
        signal?.throwIfAborted(); // a cancelled iteration is discarded, never half-applied

        // 2–3. Returns and advantages.
        const returns = episodes.map((ep) => discountedReturns(ep.rewards, h.gamma));
        const advantage = advantages(returns, h.baseline);

        // 4. Policy update on every step of every episode.
        const { loss, entropy } = this.policy.update(
          episodes.flatMap((ep) => ep.steps),
          advantage.flat(),
          h.entropyBonus,
        );

        // 5. Greedy prompt, early stop, checkpoint.
        const greedy = await this.scoreGreedy(iteration);
        const improved = (this.best?.reward ?? Number.NEGATIVE_INFINITY) > bestBefore + 1e-9 || greedy.prompt !== greedyBefore;
        this.iterationsWithoutImprovement = improved ? 0 : this.iterationsWithoutImprovement + 1;
        const usage = this.options.scorer.usage;
        const stats: IterationStats = {
          iteration,
          meanReturn: mean(returns.map((r) => r[0] ?? 0)),
          meanFinalReward: mean(episodes.map((ep) => ep.rewards.at(-1) ?? 0)),
          greedyPrompt: greedy.prompt,
          greedyReward: greedy.reward,
          loss,
          entropy,
          generationsUsed: usage.uniqueImages,
          costUsd: usage.costUsd,
        };
        this.history.push(stats);
        this.emit({ type: 'iteration-finished', ...stats });
        await this.options.onCheckpoint?.(await this.checkpoint(iteration + 1));
        if (h.earlyStopPatience !== null && this.iterationsWithoutImprovement >= h.earlyStopPatience) {
          reason = 'early-stop';
          iteration++;
          break;
        }
      }
    } catch (error) {
      if (error instanceof BudgetExceededError) reason = 'budget';
      else if (signal?.aborted) reason = 'cancelled';
      else throw error;
    }
    return this.finish(reason, iteration);
  }

  private async restoreOrInitialise(): Promise<number> {
    const { resumeFrom, seed, promptSpace, hyperparameters: h, targetEmbedding } = this.options;
    if (resumeFrom) {
      this.policy = await PolicyNetwork.fromSnapshot(resumeFrom.policy);
      this.rng = new Rng(resumeFrom.rng);
      this.trainingSeeds = [...resumeFrom.trainingSeeds];
      this.best = resumeFrom.best;
      this.contenders = new Map(resumeFrom.contenders.map((c) => [c.prompt, c]));
      this.selectionSeeds = [...resumeFrom.selectionSeeds];
      this.iterationsWithoutImprovement = resumeFrom.iterationsWithoutImprovement;
      this.history = [...resumeFrom.history];
      this.options.scorer.restoreUsage(resumeFrom.usage);
      return resumeFrom.completedIterations;
    }
    this.rng = new Rng(seed);
    this.trainingSeeds = Array.from({ length: h.trainingSeeds ?? 0 }, () => this.rng.int(TRAINING_SEED_LIMIT));
    this.selectionSeeds = Array.from({ length: h.finalists > 0 ? h.finalistSeeds : 0 }, () => this.rng.int(TRAINING_SEED_LIMIT));
    this.policy = new PolicyNetwork({
      inputSize: targetEmbedding.length,
      hiddenUnits: h.hiddenUnits,
      actions: this.words.length,
      learningRate: h.learningRate,
      seed: this.rng.nextUint32(),
      // Start where CLIP already points: softmax(log p) = p, so the first samples follow the prompt space.
      outputBias: h.promptSpacePrior ? promptSpace.probabilities.map((p) => Math.log(Math.max(p, 1e-6))) : undefined,
    });
    return 0;
  }

  /** One episode: T picks without replacement, an image (and reward) after each pick or only the last. */
  private async rollout(iteration: number, episode: number, rng: Rng): Promise<Episode> {
    const h = this.h;
    const available = this.words.map(() => true);
    const words: string[] = [];
    const steps: PolicyStep[] = [];
    const rewards: number[] = [];
    let state = this.options.targetEmbedding;
    for (let t = 0; t < h.promptLength; t++) {
      this.options.signal?.throwIfAborted();
      const action = this.policy.sample(state, available, rng);
      steps.push({ state, available: [...available], action });
      available[action] = false;
      words.push(this.words[action] as string);
      const prompt = words.join(' ');
      const isLast = t === h.promptLength - 1;
      if (h.rewardAt === 'every-step' || isLast) {
        const { reward, latest } = await this.reward(words, rng, { iteration, episode, step: t });
        rewards.push(reward);
        if (isLast) this.consider({ prompt, words: [...words], reward, iteration });
        if (h.state === 'latest-image') state = latest.embedding;
      } else {
        rewards.push(0);
      }
      if (h.state === 'prompt-text' && !isLast) state = await this.textState(prompt);
    }
    this.emit({ type: 'episode-finished', iteration, episode, words, prompt: words.join(' '), rewards, episodeReturn: rewards.reduce((s, r) => s + r, 0) });
    return { steps, words, rewards };
  }

  /**
   * Reward of a prompt: similarity on the fixed seed set (mean), or on one
   * fresh seed; mixed with a human score when feedback is on.
   */
  private async reward(
    words: readonly string[],
    rng: Rng,
    at: { iteration: number; episode: number; step: number },
  ): Promise<{ reward: number; latest: ScoredImage }> {
    const { scorer, signal, humanFeedback } = this.options;
    const h = this.h;
    const prompt = words.join(' ');
    const seeds = this.trainingSeeds.length > 0 ? this.trainingSeeds : [rng.int(TRAINING_SEED_LIMIT)];
    const images = await Promise.all(seeds.map((seed) => scorer.score(prompt, seed, signal)));
    for (const image of images) {
      this.emit({ type: 'image-generated', ...at, prompt, seed: image.seed, imageKey: image.key, image: image.image.bytes, similarity: image.similarity, cached: image.cached });
    }
    const similarity = mean(images.map((image) => image.similarity));
    let humanScore: number | null = null;
    if (humanFeedback && h.humanFeedbackWeight > 0) {
      // People see every image of the step; their scores are averaged like the similarities.
      const scores = await Promise.all(
        images.map((image) => humanScoreWithin(humanFeedback, { imageKey: image.key, prompt, ...at }, h.humanFeedbackWindowMs, signal)),
      );
      const given = scores.filter((s): s is number => s !== null);
      humanScore = given.length > 0 ? mean(given) : null;
    }
    const reward = mixReward(similarity, humanScore, h.humanFeedbackWeight);
    this.emit({ type: 'step-rewarded', ...at, words: [...words], prompt, seeds, imageKeys: images.map((i) => i.key), similarity, humanScore, reward });
    return { reward, latest: images.at(-1) as ScoredImage };
  }

  private async textState(prompt: string): Promise<Float32Array> {
    let state = this.textStates.get(prompt);
    if (!state) {
      [state] = (await this.options.embedder.embedTexts([prompt], this.options.signal)) as [Float32Array];
      this.textStates.set(prompt, state);
    }
    return state;
  }

  /** Keeps the best full prompt scored on the fixed seeds (rewards on fresh seeds do not compare). */
  private consider(candidate: BestPrompt): void {
    if (this.trainingSeeds.length === 0) return;
    const known = this.contenders.get(candidate.prompt);
    if (!known || candidate.reward > known.reward) this.contenders.set(candidate.prompt, candidate);
    if (!this.best || candidate.reward > this.best.reward + 1e-9) {
      this.best = candidate;
      this.emit({ type: 'best-so-far', iteration: candidate.iteration, prompt: candidate.prompt, reward: candidate.reward });
    }
  }

  /** Greedy decoding of the current policy: the most probable word at each step. */
  private async greedyWords(seed: number): Promise<string[]> {
    const available = this.words.map(() => true);
    const words: string[] = [];
    let state = this.options.targetEmbedding;
    for (let t = 0; t < this.h.promptLength; t++) {
      const action = this.policy.greedy(state, available);
      available[action] = false;
      words.push(this.words[action] as string);
      if (t === this.h.promptLength - 1) break;
      const prefix = words.join(' ');
      state =
        this.h.state === 'prompt-text'
          ? await this.textState(prefix)
          : (await this.options.scorer.score(prefix, seed, this.options.signal)).embedding;
    }
    return words;
  }

  /**
   * Scores the greedy prompt on the fixed seeds when the preset tracks it (early
   * stopping needs it); the paper's preset does not, so it costs nothing there.
   */
  private async scoreGreedy(iteration: number): Promise<{ prompt: string; reward: number | null }> {
    const tracks = this.h.earlyStopPatience !== null && this.trainingSeeds.length > 0 && this.h.state === 'prompt-text';
    if (!tracks) {
      const words = this.h.state === 'prompt-text' ? await this.greedyWords(0) : [];
      return { prompt: words.join(' '), reward: null };
    }
    const words = await this.greedyWords(this.trainingSeeds[0] as number);
    const prompt = words.join(' ');
    const scored = await Promise.all(this.trainingSeeds.map((seed) => this.options.scorer.score(prompt, seed, this.options.signal)));
    const reward = mean(scored.map((s) => s.similarity));
    this.consider({ prompt, words, reward, iteration });
    return { prompt, reward };
  }

  private topContenders(n: number): BestPrompt[] {
    return [...this.contenders.values()].sort((a, b) => b.reward - a.reward || a.prompt.localeCompare(b.prompt)).slice(0, n);
  }

  /**
   * The best few prompts, re-scored on extra seeds: the winner must be good on
   * several images, not lucky on one. Reward = mean over all its seeds.
   */
  private async selectAmongFinalists(iteration: number): Promise<void> {
    if (this.h.finalists === 0 || this.selectionSeeds.length === 0) return;
    const finalists = this.topContenders(this.h.finalists);
    if (finalists.length < 2) return;
    const { scorer, signal } = this.options;
    const n = this.trainingSeeds.length;
    try {
      const rescored = await Promise.all(
        finalists.map(async (f) => {
          const extra = await Promise.all(this.selectionSeeds.map((seed) => scorer.score(f.prompt, seed, signal)));
          const reward = (f.reward * n + extra.reduce((s, e) => s + e.similarity, 0)) / (n + extra.length);
          return { ...f, reward, iteration };
        }),
      );
      rescored.sort((a, b) => b.reward - a.reward);
      const winner = rescored[0] as BestPrompt;
      this.best = winner;
      this.emit({ type: 'best-so-far', iteration, prompt: winner.prompt, reward: winner.reward });
    } catch (error) {
      // Out of budget or cancelled while choosing: keep the best prompt found so far.
      if (!(error instanceof BudgetExceededError) && !signal?.aborted) throw error;
    }
  }

  private async checkpoint(completedIterations: number): Promise<TrainerCheckpoint> {
    const usage = this.options.scorer.usage;
    return {
      version: 1,
      completedIterations,
      policy: await this.policy.snapshot(),
      rng: this.rng.state,
      trainingSeeds: [...this.trainingSeeds],
      best: this.best,
      contenders: this.topContenders(Math.max(10, this.h.finalists)),
      selectionSeeds: [...this.selectionSeeds],
      iterationsWithoutImprovement: this.iterationsWithoutImprovement,
      history: [...this.history],
      usage: { generatorCalls: usage.generatorCalls, costUsd: usage.costUsd, seenKeys: this.options.scorer.seenKeys },
    };
  }

  private async finish(reason: FinishReason, iterations: number): Promise<TrainingResult> {
    let words: string[];
    let reward = Number.NaN;
    if (this.h.finalPrompt === 'best-seen' && this.best) {
      if (reason === 'completed' || reason === 'early-stop') await this.selectAmongFinalists(iterations);
      ({ words, reward } = this.best);
    } else if (reason === 'budget' || reason === 'cancelled') {
      // No more generations allowed: fall back to what is known without generating.
      words = this.best?.words ?? (this.h.state === 'prompt-text' ? await this.greedyWords(0) : []);
      reward = this.best?.reward ?? Number.NaN;
    } else {
      // The paper: greedy decoding of the final policy (prefix images on a fixed seed for the image state).
      words = await this.greedyWords(this.trainingSeeds[0] ?? 0);
    }
    const prompt = words.join(' ');
    const usage = this.options.scorer.usage;
    const checkpoint = await this.checkpoint(iterations);
    this.emit({ type: 'finished', reason, prompt, reward, iterations, generationsUsed: usage.uniqueImages, costUsd: usage.costUsd });
    this.policy.dispose();
    return {
      prompt,
      words,
      reward,
      reason,
      iterations,
      history: this.history,
      generationsUsed: usage.uniqueImages,
      generatorCalls: usage.generatorCalls,
      costUsd: usage.costUsd,
      checkpoint,
    };
  }
}
