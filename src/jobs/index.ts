/** Training runs as durable jobs: one queue interface, on pg-boss or in-process. */
export * from './inProcessQueue.js';
export * from './jobQueue.js';
export * from './pgBossQueue.js';
export * from './runSettings.js';
export * from './submitRun.js';
