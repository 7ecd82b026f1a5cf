/**
 * A run's progress events, numbered 1, 2, 3… per run, so a process that did
 * not start the run (the bot, after a restart too) follows it by asking for
 * what came after the last number it saw.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type JsonValue, type RunEvent, runEvents, runs } from '../schema.js';

/**
 * Appends an event with the run's next number. The counter on the run's row
 * is bumped in the same transaction, so concurrent appends queue on that row
 * lock and numbers stay unique and gapless.
 */
export async function appendRunEvent(
  db: Database,
  event: { runId: number; type: string; payload: JsonValue },
): Promise<RunEvent> {
  return db.transaction(async (tx) => {
    const [counter] = await tx
      .update(runs)
      .set({ lastEventSeq: sql`${runs.lastEventSeq} + 1` })
      .where(eq(runs.id, event.runId))
      .returning({ seq: runs.lastEventSeq });
    if (counter === undefined) throw new RangeError(`No run ${event.runId} to append an event to.`);
    const [row] = await tx
      .insert(runEvents)
      .values({ ...event, seq: counter.seq })
      .returning();
    return row!;
  });
}

export interface EventToAppend {
  type: string;
  payload: JsonValue;
}

export interface AppendOutcome {
  /** False when the worker no longer holds the run: it must stop. */
  owned: boolean;
  /** Whether someone asked to cancel the run (read in the same statement, for free). */
  cancelRequested: boolean;
}

/**
 * Appends events with the run's next numbers (as `appendRunEvent` does, but
 * several at once), only while `workerId` holds the running run, so a worker
 * presumed dead cannot write into its successor's numbering.
 */
export async function appendRunEventsAsOwner(
  db: Database,
  runId: number,
  workerId: string,
  events: readonly EventToAppend[],
): Promise<AppendOutcome> {
  if (events.length === 0) return { owned: true, cancelRequested: false };
  return db.transaction((tx) => appendRunEventsInTransaction(tx, runId, workerId, events));
}

/** `appendRunEventsAsOwner` inside the caller's transaction (which makes the bump and the insert atomic). */
export async function appendRunEventsInTransaction(
  tx: Database,
  runId: number,
  workerId: string,
  events: readonly EventToAppend[],
): Promise<AppendOutcome> {
  if (events.length === 0) return { owned: true, cancelRequested: false };
  const [counter] = await tx
    .update(runs)
    .set({ lastEventSeq: sql`${runs.lastEventSeq} + ${events.length}` })
    .where(and(eq(runs.id, runId), eq(runs.workerId, workerId), eq(runs.status, 'running')))
    .returning({ last: runs.lastEventSeq, cancelRequestedAt: runs.cancelRequestedAt });
  if (counter === undefined) return { owned: false, cancelRequested: false };
  const first = counter.last - events.length + 1;
  await tx.insert(runEvents).values(events.map((event, i) => ({ runId, seq: first + i, type: event.type, payload: event.payload })));
  return { owned: true, cancelRequested: counter.cancelRequestedAt !== null };
}

/** Events numbered above `afterSeq`, oldest first (at most `limit`). */
export async function listRunEventsSince(db: Database, runId: number, afterSeq = 0, limit = 500): Promise<RunEvent[]> {
  return db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.seq, afterSeq)))
    .orderBy(asc(runEvents.seq))
    .limit(limit);
}

/** The number of the run's latest event; 0 before the first. */
export async function lastRunEventSeq(db: Database, runId: number): Promise<number> {
  const [row] = await db.select({ seq: runs.lastEventSeq }).from(runs).where(eq(runs.id, runId));
  return row?.seq ?? 0;
}
