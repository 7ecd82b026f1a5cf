/**
 * The bot runs no model inference on its main thread: prompt spaces and guess
 * evaluations run in a small pool of worker threads, so a slow generator or
 * captioner never delays acknowledging an interaction.
 *
 * One task per thread at a time, first come first served. A task that runs
 * past its time limit is abandoned and its thread replaced (a hung provider
 * call cannot be interrupted otherwise); a thread that crashes fails only its
 * own task and is replaced. Errors come back as `EngineTaskError`s.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type {
  BuildPromptSpaceInput,
  ChallengePromptSpace,
  EvaluateGuessInput,
  FromWorker,
  GuessEvaluation,
  ProviderCheck,
  ProviderConfig,
  TaskRequest,
  ToWorker,
  WireResult,
} from './protocol.js';
import { spawnEngineWorker } from './spawnEngineWorker.js';
import { EngineTaskError, engineFailure } from './taskErrors.js';

export interface EngineThreadsOptions {
  /** Threads in the pool (default: 1 on a machine with two cores or fewer, else 2). */
  readonly size?: number;
  /** The threads' environment: API keys and IMAGEPROMPT_* paths are read there (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A task running longer is abandoned and its thread replaced (default 120 s). */
  readonly taskTimeoutMs?: number;
  /** A thread crashed or was replaced: for logs. */
  readonly onThreadProblem?: (problem: { readonly reason: 'crashed' | 'timed-out' | 'failed-to-start'; readonly detail: string }) => void;
}

export interface TaskOptions {
  readonly signal?: AbortSignal;
}

export interface EngineThreadStats {
  readonly size: number;
  /** Tasks handed to a thread. */
  readonly started: number;
  readonly completed: number;
  readonly failed: number;
  readonly running: number;
  readonly queued: number;
  /** Threads replaced after a crash or a timed-out task. */
  readonly restarts: number;
  /** Ids of the threads that have completed tasks (never 0, the main thread's). */
  readonly threadIds: readonly number[];
}

export interface EngineThreads {
  buildChallengePromptSpace(input: BuildPromptSpaceInput, options?: TaskOptions): Promise<ChallengePromptSpace>;
  evaluateGuess(input: EvaluateGuessInput, options?: TaskOptions): Promise<GuessEvaluation>;
  /** Builds the providers for a choice without calling them: refuses unknown models and missing keys. */
  checkProvider(config: ProviderConfig, options?: TaskOptions): Promise<ProviderCheck>;
  /** Resolves once every thread has loaded the engine (tasks may be submitted before). */
  ready(): Promise<void>;
  stats(): EngineThreadStats;
  /** Fails queued and running tasks with `pool-closed` and stops the threads. */
  close(): Promise<void>;
}

export const DEFAULT_TASK_TIMEOUT_MS = 120_000;

type ResultValues = { [Result in WireResult as Result['kind']]: Result['value'] };

interface Task {
  readonly id: number;
  readonly request: TaskRequest;
  readonly transfer: ArrayBuffer[];
  readonly signal: AbortSignal | undefined;
  resolve(result: WireResult): void;
  reject(error: EngineTaskError): void;
  timer?: NodeJS.Timeout;
  detachAbort?: () => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Settles true once the thread has loaded the engine, false if it exited first. */
  readonly whenReady: Promise<boolean>;
  task: Task | undefined;
  /** Being replaced: its exit is expected. */
  retiring: boolean;
}

export function defaultEngineThreadCount(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1));
}

export function createEngineThreads(options: EngineThreadsOptions = {}): EngineThreads {
  const size = options.size ?? defaultEngineThreadCount();
  if (!Number.isInteger(size) || size < 1 || size > 16) throw new RangeError(`Engine thread pool size must be 1 to 16 (got ${size}).`);
  const env = options.env ?? process.env;
  const timeoutMs = options.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
  const slots: Slot[] = [];
  const queue: Task[] = [];
  const threadIds = new Set<number>();
  let nextId = 1;
  let closed = false;
  const counts = { started: 0, completed: 0, failed: 0, restarts: 0 };

  function settle(task: Task): void {
    clearTimeout(task.timer);
    task.detachAbort?.();
  }

  function fail(task: Task, error: EngineTaskError): void {
    settle(task);
    counts.failed += 1;
    task.reject(error);
  }

  function spawn(): Slot {
    const worker = spawnEngineWorker({ env });
    let markReady: (loaded: boolean) => void = () => undefined;
    let startError: unknown;
    const slot: Slot = { worker, ready: false, whenReady: new Promise<boolean>((resolve) => (markReady = resolve)), task: undefined, retiring: false };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        slot.ready = true;
        markReady(true);
        pump();
        return;
      }
      const task = slot.task;
      if (!task || task.id !== message.id) return;
      slot.task = undefined;
      if (message.type === 'done') {
        settle(task);
        counts.completed += 1;
        threadIds.add(message.threadId);
        task.resolve(message.result);
      } else {
        fail(task, new EngineTaskError(message.error));
      }
      pump();
    });
    worker.on('error', (error) => {
      startError = error;
    });
    worker.on('exit', (code) => {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      markReady(false);
      const detail = startError instanceof Error ? startError.message : `exit code ${code}`;
      if (slot.task) {
        const task = slot.task;
        slot.task = undefined;
        fail(task, engineFailure('worker-crashed', `An engine thread stopped while running a task (${detail}).`));
      }
      if (closed || slot.retiring) return;
      if (!slot.ready) {
        // It could not even load the engine: fail what waits rather than respawn in a loop; the next task tries again.
        options.onThreadProblem?.({ reason: 'failed-to-start', detail });
        for (const task of queue.splice(0)) fail(task, engineFailure('worker-crashed', `An engine thread could not start (${detail}).`));
        return;
      }
      options.onThreadProblem?.({ reason: 'crashed', detail });
      counts.restarts += 1;
      slots.push(spawn());
      pump();
    });
    return slot;
  }

  function replace(slot: Slot): void {
    slot.retiring = true;
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
    void slot.worker.terminate();
    counts.restarts += 1;
    if (!closed) slots.push(spawn());
  }

  function ensureThreads(): void {
    while (!closed && slots.length < size) slots.push(spawn());
  }

  function pump(): void {
    ensureThreads();
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.task || slot.retiring) continue;
      const task = queue.shift()!;
      slot.task = task;
      counts.started += 1;
      task.timer = setTimeout(() => {
        if (slot.task !== task) return;
        slot.task = undefined;
        options.onThreadProblem?.({ reason: 'timed-out', detail: `${task.request.kind} ran past ${timeoutMs} ms` });
        fail(task, engineFailure('timeout', `${task.request.kind} ran past ${timeoutMs} ms`, `This took longer than ${Math.round(timeoutMs / 1000)} s and was stopped; try again later.`));
        replace(slot);
        pump();
      }, timeoutMs);
      const message: ToWorker = { type: 'run', id: task.id, request: task.request };
      slot.worker.postMessage(message, task.transfer);
    }
  }

  function submit(request: TaskRequest, transfer: ArrayBuffer[], taskOptions: TaskOptions = {}): Promise<WireResult> {
    if (closed) return Promise.reject(engineFailure('pool-closed', 'The engine threads are closed.'));
    const { signal } = taskOptions;
    if (signal?.aborted) return Promise.reject(engineFailure('cancelled', 'The request was cancelled before it started.', 'The request was cancelled.'));
    return new Promise<WireResult>((resolve, reject) => {
      const task: Task = { id: nextId++, request, transfer, signal, resolve, reject };
      if (signal) {
        const onAbort = (): void => {
          const queued = queue.indexOf(task);
          if (queued >= 0) {
            queue.splice(queued, 1);
            fail(task, engineFailure('cancelled', 'The request was cancelled while queued.', 'The request was cancelled.'));
            return;
          }
          const slot = slots.find((candidate) => candidate.task === task);
          const cancel: ToWorker = { type: 'cancel', id: task.id };
          slot?.worker.postMessage(cancel);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        task.detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
      queue.push(task);
      pump();
    });
  }

  /** A copy of the bytes in a buffer of their own, moved (not cloned) to the thread; the caller keeps its bytes. */
  const movable = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

  function expect<Kind extends keyof ResultValues>(result: WireResult, kind: Kind): ResultValues[Kind] {
    if (result.kind !== kind) throw engineFailure('internal', `An engine thread answered ${result.kind} to ${kind}.`);
    return result.value as ResultValues[Kind];
  }

  ensureThreads();

  return {
    async buildChallengePromptSpace(input, taskOptions) {
      const targetPng = movable(input.targetPng);
      const result = await submit({ kind: 'build-prompt-space', input: { ...input, targetPng } }, [targetPng], taskOptions);
      return expect(result, 'build-prompt-space');
    },
    async evaluateGuess(input, taskOptions) {
      const targetPng = movable(input.targetPng);
      const result = await submit({ kind: 'evaluate-guess', input: { ...input, targetPng } }, [targetPng], taskOptions);
      const value = expect(result, 'evaluate-guess');
      return { ...value, images: value.images.map((buffer) => new Uint8Array(buffer)) };
    },
    async checkProvider(config, taskOptions) {
      return expect(await submit({ kind: 'check-provider', input: { ...config } }, [], taskOptions), 'check-provider');
    },
    async ready() {
      ensureThreads();
      const loaded = await Promise.all(slots.map((slot) => slot.whenReady));
      if (loaded.includes(false)) throw engineFailure('worker-crashed', 'An engine thread could not start; see the logs.');
    },
    stats() {
      return {
        size,
        ...counts,
        running: slots.filter((slot) => slot.task !== undefined).length,
        queued: queue.length,
        threadIds: [...threadIds],
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const task of queue.splice(0)) fail(task, engineFailure('pool-closed', 'The engine threads were closed.'));
      const running = slots.splice(0);
      for (const slot of running) {
        if (slot.task) {
          const task = slot.task;
          slot.task = undefined;
          fail(task, engineFailure('pool-closed', 'The engine threads were closed.'));
        }
      }
      await Promise.all(running.map((slot) => slot.worker.terminate()));
    },
  };
}
