/**
 * Bot restarts in the middle of a run.
 *
 *   1. Only the bot restarts (as with PostgreSQL, where workers are other
 *      processes): the run goes on while no bot is up; the new bot finds the
 *      run's status message and last grid in the thread and carries on.
 *   2. The whole embedded process restarts: the run checkpoints and goes back
 *      to the queue at shutdown, and the next bot's run thread resumes it.
 *
 * Either way: one status message, no image posted twice, every image posted,
 * and the summary once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedExecution } from '../../../src/bot/runs/execution/embeddedExecution.js';
import { getRun, listRunEventsSince, voteSummaryForImage } from '../../../src/db/index.js';
import { InProcessJobQueue } from '../../../src/jobs/inProcessQueue.js';
import type { JobQueue } from '../../../src/jobs/jobQueue.js';
import type { RunExecutionReport } from '../../../src/worker/executeRun.js';
import { duplicatedSteps } from '../../worker/fixtures.js';
import { recordingLogger } from '../harness.js';
import { createWorld, eventually, FAST_EXECUTION, gridShas, runMessages, type StartedBot, TINY_RUNS, type World } from './world.js';

let world: World;

beforeAll(async () => {
  world = await createWorld();
});

afterAll(async () => {
  await world?.close();
});

async function generatedShas(runId: number): Promise<Set<string>> {
  const events = await listRunEventsSince(world.handle.db, runId, 0, 100_000);
  return new Set(events.filter((event) => event.type === 'image-generated').map((event) => (event.payload as { imageSha: string }).imageSha));
}

function expectCompleteThread(threadId: string, runId: number, generated: Set<string>): void {
  const { fake } = world;
  expect(runMessages(fake, threadId, 'status', runId)).toHaveLength(1);
  expect(runMessages(fake, threadId, 'summary', runId)).toHaveLength(1);
  const posted = runMessages(fake, threadId, 'grid', runId).flatMap(gridShas);
  expect(posted.length - new Set(posted).size, 'images posted twice').toBe(0);
  expect(new Set(posted)).toEqual(generated);
}

describe('a bot restart in the middle of a run', () => {
  it('picks up posting where the previous bot stopped while a worker kept training', async () => {
    const { fake } = world;
    // The worker: run threads of their own on the shared queue, up through both bots.
    const shared = new InProcessJobQueue();
    const worker = await startEmbeddedExecution({ db: world.handle.db, pglite: world.pglite, blobs: world.blobs, queue: shared, logger: recordingLogger([]), execution: FAST_EXECUTION });
    // Bots enqueue on it but do not own it (stopping a bot leaves the worker's queue alone).
    const botQueue: JobQueue = { kind: 'in-process', start: async () => undefined, enqueue: (runId, options) => shared.enqueue(runId, options), work: async () => undefined, depth: () => shared.depth(), stop: async () => undefined };
    // The paper preset draws a fresh image for every word; votes are waited for (nobody votes), so the run takes a while.
    const training = { ...TINY_RUNS, voteWindowMs: 600, overrides: { ...TINY_RUNS.overrides, iterations: 4 } };
    let first: StartedBot | undefined = await world.startBot({ runThreads: 0, queue: botQueue, training });
    let second: StartedBot | undefined;
    try {
      const { threadId } = await world.createChallenge({ voteWeight: 0.5, title: 'restart, worker elsewhere' });
      const reply = await fake.sendCommand({ name: 'train', channelId: threadId, options: { preset: 'paper' } }).reply(10_000);
      const runId = Number(/Run #(\d+)/.exec(reply.content)?.[1]);
      const statusBefore = await fake.waitFor(() => runMessages(fake, threadId, 'status', runId)[0], 10_000, 'the status message');
      const earlyGrid = await fake.waitFor(() => runMessages(fake, threadId, 'grid', runId)[1], 60_000, 'two grids from the first bot');

      await first.stop();
      first = undefined;
      const gridsBefore = runMessages(fake, threadId, 'grid', runId).length;
      // Images keep coming while no bot is up.
      const seqAtStop = (await getRun(world.handle.db, runId))!.lastEventSeq;
      await eventually(async () => ((await getRun(world.handle.db, runId))!.lastEventSeq > seqAtStop + 10 ? true : undefined), 20_000, 'events while the bot is down');
      expect((await getRun(world.handle.db, runId))?.status).toBe('running');

      second = await world.startBot({ runThreads: 0, queue: botQueue, training });
      expect(second.resumedRuns).toContain(runId);
      // A reaction on a grid the new client never saw (an uncached, partial message) still votes.
      const voter = fake.createUser('late voter');
      await fake.react(earlyGrid.id, '1️⃣', voter);
      const votedSha = gridShas(earlyGrid)[0]!;
      await eventually(async () => ((await voteSummaryForImage(world.handle.db, votedSha)).count === 1 ? true : undefined), 10_000, 'the vote on an old message');

      await fake.waitFor(() => runMessages(fake, threadId, 'summary', runId)[0], 60_000, 'the summary from the second bot');
      expect((await getRun(world.handle.db, runId))?.status).toBe('completed');
      expect(runMessages(fake, threadId, 'grid', runId).length).toBeGreaterThan(gridsBefore);
      expect(runMessages(fake, threadId, 'status', runId)[0]?.id).toBe(statusBefore.id);
      expect(runMessages(fake, threadId, 'status', runId)[0]?.embeds[0]?.title).toBe(`Run #${runId} — finished`);
      expectCompleteThread(threadId, runId, await generatedShas(runId));
      expect(second.logs.filter((line) => line.level === 'error')).toEqual([]);
    } finally {
      await first?.stop();
      await second?.stop();
      await worker.stop();
    }
  });

  it('resumes the run itself from its checkpoint when the whole embedded bot restarts', async () => {
    const { fake } = world;
    const training = { ...TINY_RUNS, voteWindowMs: 500, overrides: { ...TINY_RUNS.overrides, iterations: 6 } };
    const reports: RunExecutionReport[] = [];
    let first: StartedBot | undefined = await world.startBot({ training, onRunFinished: (report) => reports.push(report) });
    const { threadId } = await world.createChallenge({ voteWeight: 0.5, title: 'restart, embedded' });
    const reply = await fake.sendCommand({ name: 'train', channelId: threadId }).reply(10_000);
    const runId = Number(/Run #(\d+)/.exec(reply.content)?.[1]);
    await eventually(async () => ((await getRun(world.handle.db, runId))!.iteration >= 1 ? true : undefined), 60_000, 'a checkpoint');
    await first.stop();
    first = undefined;
    expect(reports.map((report) => report.outcome)).toEqual(['released']);
    const released = await getRun(world.handle.db, runId);
    expect(released?.status).toBe('queued');
    expect(released?.checkpoint).not.toBeNull();

    const second = await world.startBot({ training, onRunFinished: (report) => reports.push(report) });
    await fake.waitFor(() => runMessages(fake, threadId, 'summary', runId)[0], 60_000, 'the summary after the restart');
    expect(reports.at(-1)).toMatchObject({ runId, outcome: 'completed' });
    expect(reports.at(-1)?.resumedFromIteration).toBeGreaterThanOrEqual(1);
    expect(await duplicatedSteps(world.handle.db, runId)).toBe(0);
    expectCompleteThread(threadId, runId, await generatedShas(runId));
    expect(second.logs.filter((line) => line.level === 'error')).toEqual([]);
  });
});
