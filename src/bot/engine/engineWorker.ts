/**
 * Entry point of one engine thread: runs one task at a time for the pool in
 * `engineThreads.ts` and answers with its result or a `WireError`. Bytes go
 * back in the transfer list, moved rather than copied.
 */
import { isMainThread, parentPort, threadId } from 'node:worker_threads';
import { EngineTaskRunner, toWireError } from './engineTasks.js';
import type { FromWorker, TaskRequest, ToWorker, WireResult } from './protocol.js';

if (isMainThread || parentPort === null) throw new Error('engineWorker runs only as a worker thread (see engineThreads.ts).');
const port = parentPort;
const runner = new EngineTaskRunner(process.env);
const controllers = new Map<number, AbortController>();

/** A copy with a buffer of its own, exactly as long as the bytes (generator output may live in shared or native memory). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

async function run(request: TaskRequest, signal: AbortSignal): Promise<{ result: WireResult; transfer: ArrayBuffer[] }> {
  switch (request.kind) {
    case 'build-prompt-space': {
      const value = await runner.buildPromptSpace({ ...request.input, targetPng: new Uint8Array(request.input.targetPng) }, signal);
      return { result: { kind: request.kind, value }, transfer: [] };
    }
    case 'evaluate-guess': {
      const evaluation = await runner.evaluateGuess({ ...request.input, targetPng: new Uint8Array(request.input.targetPng) }, signal);
      const images = evaluation.images.map(ownBuffer);
      return { result: { kind: request.kind, value: { ...evaluation, images } }, transfer: images };
    }
    case 'check-provider':
      return { result: { kind: request.kind, value: runner.checkProvider(request.input) }, transfer: [] };
  }
}

async function handle(id: number, request: TaskRequest): Promise<void> {
  const controller = new AbortController();
  controllers.set(id, controller);
  const started = performance.now();
  try {
    const { result, transfer } = await run(request, controller.signal);
    const message: FromWorker = { type: 'done', id, result, threadId, ms: performance.now() - started };
    port.postMessage(message, transfer);
  } catch (error) {
    const message: FromWorker = { type: 'failed', id, error: toWireError(error), threadId, ms: performance.now() - started };
    port.postMessage(message);
  } finally {
    controllers.delete(id);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') controllers.get(message.id)?.abort();
  else void handle(message.id, message.request);
});

const ready: FromWorker = { type: 'ready', threadId };
port.postMessage(ready);
