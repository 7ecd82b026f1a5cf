/**
 * A run's prompt space, built once and stored: the run's own (a resumed run
 * reuses it, so it trains over exactly the same words), else its challenge's
 * latest one of the right size, else captioned now and saved.
 *
 * The engine always receives the prompt space ready-made. That matters for
 * resumption: `optimize` draws its captioning seed only when it captions
 * itself, which would shift every later seed between a first attempt and a
 * resumed one.
 */
import type { Database } from '../db/client.js';
import { getPromptSpace, latestPromptSpaceForChallenge, savePromptSpace } from '../db/repositories/promptSpaces.js';
import { setRunPromptSpace } from '../db/repositories/runs.js';
import type { PromptSpace as StoredPromptSpace, Run } from '../db/schema.js';
import { Rng } from '../engine/math/random.js';
import { buildPromptSpace, type PromptSpace } from '../engine/promptSpace/promptSpace.js';
import type { ProviderStack } from '../engine/providers/types.js';
import type { Hyperparameters } from '../engine/training/hyperparameters.js';
import type { DbTimer } from './dbTimer.js';

export interface PromptSpaceContext {
  db: Database;
  timer: DbTimer;
  run: Run;
  stack: ProviderStack;
  target: Uint8Array;
  hyperparameters: Hyperparameters;
  /** The run's seed; the captions are drawn from it. */
  seed: number;
  signal: AbortSignal;
  /** Told when captioning starts (it is the slow part with a real captioner). */
  onCaptioning?: () => void;
}

/** Offset that keeps the captioning seed apart from the seeds `optimize` draws from the run seed. */
const CAPTION_SEED_SALT = 0x5eed_c0de;

export async function ensurePromptSpace(context: PromptSpaceContext): Promise<PromptSpace> {
  const { db, timer, run, stack, target, hyperparameters: h, signal } = context;
  if (run.promptSpaceId !== null) {
    const stored = await timer.time('run', () => getPromptSpace(db, run.promptSpaceId as number));
    if (stored === undefined) throw new Error(`Run ${run.id} refers to prompt space ${run.promptSpaceId}, which does not exist.`);
    return fromStored(stored);
  }
  if (run.challengeId !== null) {
    const challengeId = run.challengeId;
    const shared = await timer.time('run', () => latestPromptSpaceForChallenge(db, challengeId));
    if (shared !== undefined && shared.words.length === h.words && shared.targetImageSha === run.targetImageSha) {
      await timer.time('run', () => setRunPromptSpace(db, run.id, shared.id));
      return fromStored(shared);
    }
  }
  context.onCaptioning?.();
  const [targetEmbedding] = (await stack.embedder.embedImages([target], signal)) as [Float32Array];
  const captionSeed = new Rng((context.seed + CAPTION_SEED_SALT) >>> 0).nextUint32();
  const captions = await stack.captioner.caption(target, h.captions, { seed: captionSeed, signal });
  const space = await buildPromptSpace({ captions, embedder: stack.embedder, targetEmbedding, size: h.words, minimumWords: h.promptLength, signal });
  const saved = await timer.time('run', () =>
    db.transaction(async (tx) => {
      const row = await savePromptSpace(tx, {
        challengeId: run.challengeId,
        targetImageSha: run.targetImageSha,
        words: space.words,
        probabilities: space.probabilities,
        captions: space.captions,
        captionerId: stack.captioner.id,
      });
      await setRunPromptSpace(tx, run.id, row.id);
      return row;
    }),
  );
  // Resume from what was stored, so the first attempt and every resumed one train over identical numbers.
  return fromStored(saved);
}

/**
 * The engine's prompt space from a stored one. The table keeps the top P words
 * only, not every candidate's similarity; candidates are the kept words
 * (similarity unknown: NaN), which is all training and the baselines use.
 */
function fromStored(stored: StoredPromptSpace): PromptSpace {
  return {
    captions: [...stored.captions],
    words: [...stored.words],
    probabilities: [...stored.probabilities],
    candidates: stored.words.map((word, i) => ({ word, similarity: Number.NaN, probability: stored.probabilities[i] ?? 0 })),
  };
}
