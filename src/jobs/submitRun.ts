/**
 * How the bot and the CLI start a training run: a `runs` row (status
 * `queued`), then a job naming it. (If the process dies between the two, the
 * row stays queued without a job: embedded workers re-enqueue every queued
 * run at start-up; on PostgreSQL, enqueue it again with `queue.enqueue`.)
 */
import type { Database } from '../db/client.js';
import { createRun, type NewRunInput } from '../db/repositories/runs.js';
import type { Run } from '../db/schema.js';
import type { JobQueue } from './jobQueue.js';
import { type RunSettings, withRunSettings } from './runSettings.js';

export interface SubmitRunInput extends NewRunInput {
  /** Seed, baselines and generator, stored with the hyperparameters (seed defaults to the run id). */
  settings?: Partial<RunSettings>;
}

export async function submitRun(db: Database, queue: JobQueue, input: SubmitRunInput): Promise<{ run: Run; jobId: string | null }> {
  const { settings, ...newRun } = input;
  const run = await createRun(db, { ...newRun, hyperparameters: withRunSettings(newRun.hyperparameters, settings ?? {}) });
  const jobId = await queue.enqueue(run.id);
  return { run, jobId };
}
