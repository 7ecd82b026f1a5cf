/**
 * One message kept up to date with a stream of states (live training progress),
 * at most one edit every `minIntervalMs`. Updates in between coalesce: only the
 * newest is written, and the newest is always written eventually. Writes never
 * overlap, so edits land in order; a failed write is reported and the next
 * update tries again. Discord allows about 5 message edits per 5 s per channel,
 * and @discordjs/rest queues anything beyond, so a status that edits on every
 * training step would fall ever further behind; this keeps it current instead.
 */

export interface LiveStatusOptions<Payload> {
  /** Write one state, e.g. `(payload) => message.edit(payload)`. */
  readonly write: (payload: Payload) => Promise<unknown>;
  /** Minimum time between the starts of two writes. Default 1500 ms. */
  readonly minIntervalMs?: number;
  /** A write failed; the status carries on with the next update. */
  readonly onError?: (error: unknown) => void;
  /** Whether two states would render the same (then the second is not written). Default: equal JSON. */
  readonly same?: (a: Payload, b: Payload) => boolean;
  /** Monotonic clock in ms (tests inject one). Default `performance.now`. */
  readonly now?: () => number;
}

export interface LiveStatus<Payload> {
  /** Record the newest state: written at once if the interval allows, else when it does. */
  update(payload: Payload): void;
  /** Resolves once every state recorded so far has been written or superseded (may wait out the interval). */
  flush(): Promise<void>;
  /** `flush`, then refuse further updates. */
  close(): Promise<void>;
  /** Writes that succeeded. */
  readonly writes: number;
}

export const DEFAULT_STATUS_INTERVAL_MS = 1500;

const sameJSON = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function createLiveStatus<Payload>(options: LiveStatusOptions<Payload>): LiveStatus<Payload> {
  const interval = options.minIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
  const now = options.now ?? (() => performance.now());
  const same = options.same ?? sameJSON;
  let pending: { payload: Payload } | undefined;
  let lastWritten: { payload: Payload } | undefined;
  let lastWriteStartedAt = Number.NEGATIVE_INFINITY;
  let writing = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let writes = 0;
  let idleWaiters: Array<() => void> = [];

  const settleIfIdle = (): void => {
    if (pending || writing) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const writeNext = async (): Promise<void> => {
    const next = pending!;
    pending = undefined;
    if (lastWritten && same(lastWritten.payload, next.payload)) {
      settleIfIdle();
      return;
    }
    writing = true;
    lastWriteStartedAt = now();
    try {
      await options.write(next.payload);
      lastWritten = next;
      writes += 1;
    } catch (error) {
      options.onError?.(error);
    } finally {
      writing = false;
    }
    schedule();
    settleIfIdle();
  };

  function schedule(): void {
    if (writing || timer !== undefined || !pending) return;
    const wait = lastWriteStartedAt + interval - now();
    if (wait <= 0) {
      void writeNext();
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      schedule();
    }, wait);
  }

  const flush = (): Promise<void> => {
    if (!pending && !writing) return Promise.resolve();
    return new Promise<void>((resolve) => idleWaiters.push(resolve));
  };

  return {
    update(payload) {
      if (closed) throw new Error('live status is closed');
      pending = { payload };
      schedule();
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
    get writes() {
      return writes;
    },
  };
}
