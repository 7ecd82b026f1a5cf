/** Workers: execute training runs from the queue, durably (see executeRun.ts and worker.ts). */
export * from './checkpointCodec.js';
export * from './environment.js';
export * from './executeRun.js';
export * from './providerStack.js';
export * from './voteFeedback.js';
export * from './worker.js';
