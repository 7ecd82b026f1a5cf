/**
 * Shared pieces of the worker tests: tiny shapes-world runs, providers with a
 * hook on every image, and readers for what a run left in the database.
 */
import { createHash } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { BlobStore } from '../../src/db/blobStore.js';
import type { Database } from '../../src/db/client.js';
import { storeImage } from '../../src/db/repositories/images.js';
import { createRun } from '../../src/db/repositories/runs.js';
import { listSteps } from '../../src/db/repositories/steps.js';
import { type Run, runEvents, steps } from '../../src/db/schema.js';
import { createShapesStack } from '../../src/engine/providers/shapes/index.js';
import type { ImageGenerator, ProviderStack } from '../../src/engine/providers/types.js';
import { type Hyperparameters, resolveHyperparameters } from '../../src/engine/training/hyperparameters.js';
import { type RunSettings, withRunSettings } from '../../src/jobs/runSettings.js';

/** P=4, T=2, 3 iterations × 4 episodes, 64 px: 8 images per iteration (the paper's schedule: an image per word). */
export function tinyHyperparameters(overrides: Partial<Hyperparameters> = {}): Hyperparameters {
  return resolveHyperparameters('paper', {
    captions: 5,
    words: 4,
    promptLength: 2,
    iterations: 3,
    episodesPerIteration: 4,
    imageSize: 64,
    evaluationImages: 2,
    ...overrides,
  });
}

/** A real shapes-world PNG to learn a prompt for. */
export async function storeTarget(db: Database, blobs: BlobStore, prompt = 'red sphere'): Promise<string> {
  const image = await createShapesStack().generator.generate({ prompt, seed: 3, width: 64, height: 64 });
  return (await storeImage(db, blobs, image.bytes)).sha256;
}

export async function newTinyRun(
  db: Database,
  targetSha: string,
  options: { hyperparameters?: Hyperparameters; settings?: Partial<RunSettings> } = {},
): Promise<Run> {
  const hyperparameters = options.hyperparameters ?? tinyHyperparameters();
  return createRun(db, {
    targetImageSha: targetSha,
    preset: 'paper',
    hyperparameters: withRunSettings(hyperparameters, { seed: 1234, ...options.settings }),
  });
}

/** The shapes world, with `beforeImage(n)` awaited before the n-th image (1-based) is drawn. */
export function shapesWithHook(beforeImage: (call: number) => Promise<void> | void): () => ProviderStack {
  return () => {
    const stack = createShapesStack();
    const inner = stack.generator;
    let calls = 0;
    const generator: ImageGenerator = {
      id: inner.id,
      modelId: inner.modelId,
      takesSeed: inner.takesSeed,
      pricePerImage: (w, h) => inner.pricePerImage(w, h),
      async generate(request) {
        calls++;
        await beforeImage(calls);
        return inner.generate(request);
      },
    };
    return { ...stack, generator };
  };
}

/** Steps as comparable values, keyed iteration:episode:step. */
export async function stepValues(db: Database, runId: number): Promise<Map<string, { prompt: string; similarity: number | null; reward: number | null }>> {
  const rows = await listSteps(db, runId);
  return new Map(rows.map((row) => [`${row.iteration}:${row.episode}:${row.step}`, { prompt: row.prompt, similarity: row.similarity, reward: row.reward }]));
}

/** (iteration, episode, step) keys recorded more than once: must always be empty. */
export async function duplicatedSteps(db: Database, runId: number): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(steps)
    .where(eq(steps.runId, runId))
    .groupBy(steps.iteration, steps.episode, steps.step)
    .having(sql`count(*) > 1`);
  return rows.length;
}

export async function eventsOf(db: Database, runId: number) {
  return db.select().from(runEvents).where(eq(runEvents.runId, runId)).orderBy(asc(runEvents.seq));
}

/**
 * The policy weights and Adam moments a run ended with, as a digest per tensor
 * (TensorFlow.js names variables with a per-process counter, so names differ).
 */
export function finalPolicy(run: Run | undefined): { iteration: number | undefined; weights: string[]; optimizer: string[] } {
  const digests = (part: unknown) =>
    ((part as { tensors?: Array<{ shape: number[]; data: string }> } | undefined)?.tensors ?? []).map(
      (t) => `${t.shape.join('x')}:${createHash('sha256').update(t.data).digest('hex').slice(0, 16)}`,
    );
  const checkpoint = run?.checkpoint;
  return { iteration: checkpoint?.iteration, weights: digests(checkpoint?.policyWeights), optimizer: digests(checkpoint?.optimizerState) };
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
