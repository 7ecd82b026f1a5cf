/**
 * The run reads and writes the bot and the worker share through `src/db`:
 * summaries without the checkpoint, ownership-checked finishing and event
 * appends, stale and unfinished run listings, runs by status, admission
 * locks, and the batched image / cache / episode writes with the multi-key
 * cache lookup — on PGlite and on PostgreSQL. Imported through the index, as
 * the callers do.
 */
import { describe, expect, it } from 'vitest';
import {
  appendRunEvent,
  appendRunEventsAsOwner,
  claimRun,
  countRunsByStatus,
  createRun,
  type Database,
  finishOwnedRun,
  finishOwnedRunInTransaction,
  getCachedGenerations,
  getImage,
  getRun,
  getRunSummary,
  insertEpisodes,
  insertGenerationCacheRows,
  insertImageRows,
  listEpisodes,
  listRunEventsSince,
  listRunSummaries,
  listStaleRunIds,
  listUnfinishedRunIds,
  lockRunAdmission,
  requestRunCancel,
  sha256Hex,
  updateRunStatus,
  upsertPlayer,
} from '../../src/db/index.js';
import { PRESETS } from '../../src/engine/training/hyperparameters.js';
import { pngLikeBytes, TEST_BACKENDS, useTestDatabase } from '../support/db.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An image row (no bytes needed: nothing here reads them) and its sha. */
async function imageRow(db: Database, label: string): Promise<string> {
  const bytes = pngLikeBytes(64, 64, label);
  const sha = sha256Hex(bytes);
  await insertImageRows(db, [{ sha256: sha, mime: 'image/png', width: 64, height: 64, byteSize: bytes.byteLength }]);
  return sha;
}

async function newRun(db: Database, label: string, extra: { requestedBy?: string } = {}) {
  if (extra.requestedBy !== undefined) await upsertPlayer(db, { id: extra.requestedBy, displayName: extra.requestedBy });
  return createRun(db, { targetImageSha: await imageRow(db, `target-${label}`), preset: 'efficient', hyperparameters: PRESETS.efficient, ...extra });
}

describe.each(TEST_BACKENDS)('run writes on %s', (backend) => {
  const database = useTestDatabase(backend);

  describe('summaries', () => {
    it('read a run without its checkpoint, and filter newest first', async () => {
      const { db } = database;
      const older = await newRun(db, 'summary-older', { requestedBy: 'summary-user' });
      const newer = await newRun(db, 'summary-newer', { requestedBy: 'summary-user' });
      await newRun(db, 'summary-other', { requestedBy: 'someone-else' });
      await updateRunStatus(db, older.id, 'failed', { error: 'boom' });

      const summary = await getRunSummary(db, older.id);
      expect(summary).toMatchObject({ id: older.id, status: 'failed', requestedBy: 'summary-user', preset: 'efficient' });
      expect(summary).not.toHaveProperty('checkpoint');
      expect(summary).not.toHaveProperty('workerId');
      expect(summary?.finishedAt).toBeInstanceOf(Date);
      expect(await getRunSummary(db, 987_654)).toBeUndefined();

      const mine = await listRunSummaries(db, { requestedBy: 'summary-user' });
      expect(mine.map((run) => run.id)).toEqual([newer.id, older.id]);
      const queued = await listRunSummaries(db, { requestedBy: 'summary-user', statuses: ['queued'] });
      expect(queued.map((run) => run.id)).toEqual([newer.id]);
      const finishedLately = await listRunSummaries(db, { requestedBy: 'summary-user', finishedSince: new Date(Date.now() - 60_000) });
      expect(finishedLately.map((run) => run.id)).toEqual([older.id]);
      expect(await listRunSummaries(db, { requestedBy: 'summary-user', inChallenge: true })).toEqual([]);
      expect(await listRunSummaries(db, { requestedBy: 'summary-user', limit: 1 })).toHaveLength(1);
    });
  });

  describe('finishing a run its worker holds', () => {
    it('only the holder finishes it, once, with a status event numbered after the others', async () => {
      const { db } = database;
      const run = await newRun(db, 'finish');
      await claimRun(db, run.id, 'worker-a');
      await appendRunEvent(db, { runId: run.id, type: 'progress', payload: { iteration: 1 } });

      expect(await finishOwnedRun(db, run.id, 'worker-b', 'failed', { error: 'not mine' })).toBeUndefined();
      expect((await getRun(db, run.id))?.status).toBe('running');

      const finished = await finishOwnedRun(db, run.id, 'worker-a', 'completed', { learnedPrompt: 'red circle', learnedReward: Number.NaN });
      expect(finished).toMatchObject({ status: 'completed', learnedPrompt: 'red circle', heartbeatAt: null, lastEventSeq: 2 });
      expect(finished?.finishedAt).toBeInstanceOf(Date);
      const events = await listRunEventsSince(db, run.id);
      expect(events.map((event) => [event.seq, event.type])).toEqual([
        [1, 'progress'],
        [2, 'status'],
      ]);
      // NaN is not JSON: the event says null, the row keeps what it was given.
      expect(events[1]?.payload).toEqual({ status: 'completed', error: null, learnedPrompt: 'red circle', learnedReward: null });

      expect(await finishOwnedRun(db, run.id, 'worker-a', 'failed')).toBeUndefined();
      expect((await getRun(db, run.id))?.status).toBe('completed');
    });

    it('inside the caller’s transaction, a rollback undoes both the status and the event', async () => {
      const { db } = database;
      const run = await newRun(db, 'finish-rollback');
      await claimRun(db, run.id, 'worker-a');
      await expect(
        db.transaction(async (tx) => {
          expect(await finishOwnedRunInTransaction(tx, run.id, 'worker-a', 'cancelled')).toMatchObject({ status: 'cancelled' });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await getRun(db, run.id)).toMatchObject({ status: 'running', lastEventSeq: 0 });
      expect(await listRunEventsSince(db, run.id)).toEqual([]);
    });
  });

  describe('appending events as the holder', () => {
    it('numbers a batch after earlier events, refuses other workers and reports a cancel request', async () => {
      const { db } = database;
      const run = await newRun(db, 'append');
      await claimRun(db, run.id, 'worker-a');
      await appendRunEvent(db, { runId: run.id, type: 'first', payload: {} });

      const batch = [1, 2, 3].map((n) => ({ type: 'step', payload: { n } }));
      expect(await appendRunEventsAsOwner(db, run.id, 'worker-a', batch)).toEqual({ owned: true, cancelRequested: false });
      const events = await listRunEventsSince(db, run.id);
      expect(events.map((event) => [event.seq, event.type, event.payload])).toEqual([
        [1, 'first', {}],
        [2, 'step', { n: 1 }],
        [3, 'step', { n: 2 }],
        [4, 'step', { n: 3 }],
      ]);

      expect(await appendRunEventsAsOwner(db, run.id, 'worker-b', batch)).toEqual({ owned: false, cancelRequested: false });
      expect(await listRunEventsSince(db, run.id, 4)).toEqual([]);
      // Nothing to write: nothing is asked of the database, whoever calls.
      expect(await appendRunEventsAsOwner(db, run.id, 'worker-b', [])).toEqual({ owned: true, cancelRequested: false });

      await requestRunCancel(db, run.id);
      expect(await appendRunEventsAsOwner(db, run.id, 'worker-a', [{ type: 'step', payload: { n: 4 } }])).toEqual({ owned: true, cancelRequested: true });
      expect((await getRun(db, run.id))?.lastEventSeq).toBe(5);
    });
  });

  describe('listings', () => {
    it('stale runs: running with no heartbeat, or one older than the limit; never queued or finished ones', async () => {
      const { db } = database;
      const neverBeat = await newRun(db, 'stale-never');
      await updateRunStatus(db, neverBeat.id, 'running');
      const beating = await newRun(db, 'stale-beating');
      await claimRun(db, beating.id, 'worker-a');
      const queued = await newRun(db, 'stale-queued');
      const finished = await newRun(db, 'stale-finished');
      await updateRunStatus(db, finished.id, 'running');
      await updateRunStatus(db, finished.id, 'failed');

      const ours = (ids: number[]) => ids.filter((id) => [neverBeat.id, beating.id, queued.id, finished.id].includes(id));
      expect(ours(await listStaleRunIds(db, 60_000))).toEqual([neverBeat.id]);
      await sleep(5);
      expect(ours(await listStaleRunIds(db, 0))).toEqual([neverBeat.id, beating.id]);
    });

    it('unfinished runs: queued and running, oldest first, with their status', async () => {
      const { db } = database;
      const first = await newRun(db, 'unfinished-1');
      const second = await newRun(db, 'unfinished-2');
      const done = await newRun(db, 'unfinished-done');
      await claimRun(db, second.id, 'worker-a');
      await updateRunStatus(db, done.id, 'cancelled');

      const ids = new Set([first.id, second.id, done.id]);
      expect((await listUnfinishedRunIds(db)).filter((row) => ids.has(row.id))).toEqual([
        { id: first.id, status: 'queued' },
        { id: second.id, status: 'running' },
      ]);
    });

    it('runs by status count every run once', async () => {
      const { db } = database;
      const before = await countRunsByStatus(db);
      const queued = await newRun(db, 'count-queued');
      const failed = await newRun(db, 'count-failed');
      await updateRunStatus(db, failed.id, 'failed');
      const after = await countRunsByStatus(db);
      expect((after.queued ?? 0) - (before.queued ?? 0)).toBe(1);
      expect((after.failed ?? 0) - (before.failed ?? 0)).toBe(1);
      expect(Object.values(after).reduce((a, b) => a + b, 0) - Object.values(before).reduce((a, b) => a + b, 0)).toBe(2);
      expect(queued.status).toBe('queued');
    });
  });

  describe('admission locks', () => {
    /** Two transactions taking `second` while the first holds `first` for a moment; the order things happened in. */
    async function contend(db: Database, first: { guildId: string; userId: string }, second: { guildId: string; userId: string }) {
      const order: string[] = [];
      let holding!: () => void;
      const held = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const one = db.transaction(async (tx) => {
        await lockRunAdmission(tx, first);
        order.push('first locked');
        holding();
        await sleep(150);
        order.push('first done');
      });
      await held;
      const two = db.transaction(async (tx) => {
        await lockRunAdmission(tx, second);
        order.push('second locked');
      });
      await Promise.all([one, two]);
      return order;
    }

    it('a second admission for the same guild waits for the first to end', async () => {
      const order = await contend(database.db, { guildId: 'lock-g', userId: 'lock-u1' }, { guildId: 'lock-g', userId: 'lock-u2' });
      expect(order).toEqual(['first locked', 'first done', 'second locked']);
    });

    it.runIf(backend === 'postgres')('admissions for other guilds and users do not wait', async () => {
      const order = await contend(database.db, { guildId: 'lock-a', userId: 'lock-ua' }, { guildId: 'lock-b', userId: 'lock-ub' });
      expect(order).toEqual(['first locked', 'second locked', 'first done']);
    });
  });

  describe('batched writes', () => {
    it('image rows: many in one call, existing rows stay as they were', async () => {
      const { db } = database;
      const existing = await imageRow(db, 'batch-existing');
      const fresh = sha256Hex(pngLikeBytes(32, 16, 'batch-fresh'));
      await insertImageRows(db, [
        { sha256: existing, mime: 'image/jpeg', width: 1, height: 1, byteSize: 1 },
        { sha256: fresh, mime: 'image/png', width: 32, height: 16, byteSize: 40 },
      ]);
      expect(await getImage(db, existing)).toMatchObject({ mime: 'image/png', width: 64, height: 64 });
      expect(await getImage(db, fresh)).toMatchObject({ mime: 'image/png', width: 32, height: 16, byteSize: 40 });
      await insertImageRows(db, []);
    });

    it('cache rows: the first image under a key stays; a multi-key lookup returns the keys that exist', async () => {
      const { db } = database;
      const a = await imageRow(db, 'cache-a');
      const b = await imageRow(db, 'cache-b');
      await insertGenerationCacheRows(db, [
        { key: 'batch-key-1', imageSha: a, model: 'shapes-world@1', costUsd: 0.02, prompt: 'red', seed: 1 },
        { key: 'batch-key-2', imageSha: b, model: 'shapes-world@1' },
      ]);
      await insertGenerationCacheRows(db, [{ key: 'batch-key-1', imageSha: b, model: 'other-model' }]);
      await insertGenerationCacheRows(db, []);

      const found = await getCachedGenerations(db, ['batch-key-2', 'batch-key-missing', 'batch-key-1']);
      expect(found.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
        { key: 'batch-key-1', imageSha: a, model: 'shapes-world@1' },
        { key: 'batch-key-2', imageSha: b, model: 'shapes-world@1' },
      ]);
      expect(await getCachedGenerations(db, [])).toEqual([]);
    });

    it('episodes: many in one call, replayed ones skipped', async () => {
      const { db } = database;
      const run = await newRun(db, 'episodes');
      const episode = (iteration: number, index: number, episodeReturn: number) => ({
        runId: run.id,
        iteration,
        episode: index,
        words: ['red', 'circle'],
        prompt: 'red circle',
        rewards: [0, episodeReturn],
        episodeReturn,
      });
      await insertEpisodes(db, [episode(0, 0, 0.5), episode(0, 1, 0.6)]);
      // A resumed run replays iteration 0 with other numbers: the first write wins.
      await insertEpisodes(db, [episode(0, 1, 0.9), episode(1, 0, 0.7)]);
      await insertEpisodes(db, []);
      const stored = await listEpisodes(db, run.id);
      expect(stored.map((row) => [row.iteration, row.episode, row.episodeReturn])).toEqual([
        [0, 0, 0.5],
        [0, 1, 0.6],
        [1, 0, 0.7],
      ]);
    });
  });
});
