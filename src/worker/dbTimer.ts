/**
 * Measures a run's database calls, by kind, so the worker's "run finished" log
 * line (and the jobs benchmark) can state the database's share of a run and
 * where it goes. Two totals, because the engine waits for some calls and not
 * for others:
 *
 *   - blocking: the run waits for the call (claim, loads, the wait for the
 *     previous checkpoint save, cache reads, explicit cancel checks, final
 *     writes). Counted as the time at least one such call was in flight
 *     (calls made together count once): the time the database adds to a run.
 *   - background: the call overlaps the engine's work (batched writes,
 *     checkpoint saves, heartbeats, vote polling while people vote).
 *
 * A duration runs until the awaiting code resumes, so it includes any time the
 * event loop was busy with engine work: an upper bound on the database's part.
 */
export type DbCallKind =
  /** Claiming, loading and finishing the run (blocking). */
  | 'run'
  /** Waiting for the previous checkpoint save before saving the next (blocking). */
  | 'checkpoint-wait'
  /** Looking at the cancel flag before an image (blocking). */
  | 'cancel-check'
  /** Generation-cache reads (blocking). */
  | 'cache'
  /** Batched writes of images, steps, episodes and events (background). */
  | 'write'
  /** Image bytes to the blob store before their rows (background; files, not the database). */
  | 'blobs'
  /** Saving a checkpoint (background). */
  | 'checkpoint'
  | 'heartbeat'
  /** Reading votes while the feedback window is open (background: the run waits for people, not the database). */
  | 'feedback';

const BLOCKING: Record<DbCallKind, boolean> = {
  run: true,
  'checkpoint-wait': true,
  'cancel-check': true,
  cache: true,
  write: false,
  blobs: false,
  checkpoint: false,
  heartbeat: false,
  feedback: false,
};

export class DbTimer {
  private readonly totals = new Map<DbCallKind, { ms: number; calls: number }>();
  /** Blocking calls in flight, and since when at least one has been. */
  private blockingInFlight = 0;
  private blockingSince = 0;
  private blockingTotal = 0;

  async time<T>(kind: DbCallKind, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const blocking = BLOCKING[kind];
    if (blocking && this.blockingInFlight++ === 0) this.blockingSince = started;
    try {
      return await call();
    } finally {
      const ended = performance.now();
      if (blocking && --this.blockingInFlight === 0) this.blockingTotal += ended - this.blockingSince;
      const total = this.totals.get(kind) ?? { ms: 0, calls: 0 };
      total.ms += ended - started;
      total.calls++;
      this.totals.set(kind, total);
    }
  }

  private sum(blocking: boolean, field: 'ms' | 'calls'): number {
    let sum = 0;
    for (const [kind, total] of this.totals) if (BLOCKING[kind] === blocking) sum += total[field];
    return sum;
  }

  /** Time the run waited for the database (at least one blocking call in flight), in milliseconds. */
  get blockingMs(): number {
    return this.blockingTotal + (this.blockingInFlight > 0 ? performance.now() - this.blockingSince : 0);
  }

  /** Time of calls that overlapped the run's work, in milliseconds. */
  get backgroundMs(): number {
    return this.sum(false, 'ms');
  }

  get calls(): number {
    return this.sum(true, 'calls') + this.sum(false, 'calls');
  }

  /** Milliseconds per kind of call (the sum of their durations), rounded, largest first. */
  byKind(): Record<string, number> {
    return Object.fromEntries([...this.totals].sort((a, b) => b[1].ms - a[1].ms).map(([kind, { ms }]) => [kind, Math.round(ms)]));
  }
}
