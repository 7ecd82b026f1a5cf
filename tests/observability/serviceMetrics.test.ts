import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirectoryBlobStore } from '../../src/db/blobStore.js';
import { createRun, requestRunCancel } from '../../src/db/repositories/runs.js';
import { storeImage } from '../../src/db/repositories/images.js';
import { createShapesStack } from '../../src/engine/providers/shapes/index.js';
import { PRESETS } from '../../src/engine/training/hyperparameters.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { meteredGenerator, metricsPortFrom, startServiceMetrics } from '../../src/observability/serviceMetrics.js';
import { pngLikeBytes, useTestDatabase } from '../support/db.js';

let blobDir: string;
beforeAll(async () => {
  blobDir = await mkdtemp(path.join(os.tmpdir(), 'imageprompt-metrics-'));
});
afterAll(() => rm(blobDir, { recursive: true, force: true }));

describe('service metrics', () => {
  const database = useTestDatabase('pglite');

  it('serves runs by status from the database and the queue depth', async () => {
    const blobs = new LocalDirectoryBlobStore(blobDir);
    const target = await storeImage(database.db, blobs, pngLikeBytes(64, 64, 'metrics'));
    const a = await createRun(database.db, { targetImageSha: target.sha256, preset: 'efficient', hyperparameters: PRESETS.efficient });
    await createRun(database.db, { targetImageSha: target.sha256, preset: 'efficient', hyperparameters: PRESETS.efficient });
    await requestRunCancel(database.db, a.id);
    const service = await startServiceMetrics({ service: 'worker', env: { METRICS_PORT: '0' }, db: database.db, queueDepth: () => 7, host: '127.0.0.1' });
    try {
      const text = await (await fetch(`${service.server?.url}/metrics`)).text();
      expect(text).toMatch(/imageprompt_runs\{status="queued",service="worker"\} 1/);
      expect(text).toMatch(/imageprompt_runs\{status="cancelled",service="worker"\} 1/);
      expect(text).toMatch(/imageprompt_queue_depth\{service="worker"\} 7/);
    } finally {
      await service.close();
    }
  });

  it('counts generations and cost by provider and model', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const generator = meteredGenerator(createShapesStack().generator, metrics);
    await generator.generate({ prompt: 'red sphere', seed: 1, width: 32, height: 32 });
    await generator.generate({ prompt: 'blue cube', seed: 1, width: 32, height: 32 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/imageprompt_generations_total\{provider="shapes",model="shapes-world@1"\} 2/);
  });

  it('refuses a malformed METRICS_PORT with one line', () => {
    expect(metricsPortFrom({})).toBeUndefined();
    expect(metricsPortFrom({ METRICS_PORT: '9464' })).toBe(9464);
    expect(() => metricsPortFrom({ METRICS_PORT: 'http' })).toThrow('METRICS_PORT must be a port number from 0 to 65535 (got "http").');
  });
});
