import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type MetricsServer, startMetricsServer } from '../../src/observability/metrics.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(registry: Parameters<typeof startMetricsServer>[0]['registry']): Promise<MetricsServer> {
  const server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry });
  servers.push(server);
  return server;
}

/** The value of one sample in Prometheus text format, e.g. sample(body, 'x_total', { a: '1' }). */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const lineLabels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => lineLabels[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('createMetrics', () => {
  it('counts generations, cost, run transitions and latency, and serves them in Prometheus text format', async () => {
    const metrics = createMetrics({ service: 'worker' });
    for (let i = 0; i < 3; i++) {
      metrics.generations.inc({ provider: 'replicate', model: 'sdxl' });
      metrics.generationCostUsd.inc({ provider: 'replicate', model: 'sdxl' }, 0.0025);
    }
    metrics.generations.inc({ provider: 'local', model: 'shapes' }, 16);
    metrics.runTransitions.inc({ status: 'completed' });
    metrics.runTransitions.inc({ status: 'completed' });
    metrics.runTransitions.inc({ status: 'failed' });
    metrics.interactionLatencySeconds.observe({ command: 'guess' }, 0.12);
    metrics.interactionLatencySeconds.observe({ command: 'guess' }, 0.04);

    const server = await serve(metrics.registry);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await response.text();

    expect(body).toContain('# TYPE imageprompt_generations_total counter');
    expect(body).toContain('# HELP imageprompt_generations_total Images generated, by provider and model.');
    const replicate = { provider: 'replicate', model: 'sdxl', service: 'worker' };
    expect(sample(body, 'imageprompt_generations_total', replicate)).toBe(3);
    expect(sample(body, 'imageprompt_generations_total', { provider: 'local', model: 'shapes' })).toBe(16);
    expect(sample(body, 'imageprompt_generation_cost_usd_total', replicate)).toBeCloseTo(0.0075, 10);
    expect(sample(body, 'imageprompt_run_transitions_total', { status: 'completed' })).toBe(2);
    expect(sample(body, 'imageprompt_run_transitions_total', { status: 'failed' })).toBe(1);

    expect(body).toContain('# TYPE imageprompt_interaction_latency_seconds histogram');
    const latency = (le: string) => sample(body, 'imageprompt_interaction_latency_seconds_bucket', { command: 'guess', le });
    expect(latency('0.025')).toBe(0);
    expect(latency('0.05')).toBe(1);
    expect(latency('0.25')).toBe(2);
    expect(latency('+Inf')).toBe(2);
    expect(sample(body, 'imageprompt_interaction_latency_seconds_count', { command: 'guess' })).toBe(2);
    expect(sample(body, 'imageprompt_interaction_latency_seconds_sum', { command: 'guess' })).toBeCloseTo(0.16, 10);

    // Default process metrics.
    expect(sample(body, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(body, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('reads queue depth and runs by status from their sources on every scrape', async () => {
    let depth = 5;
    let runs: Record<string, number> = { queued: 3, running: 1 };
    const metrics = createMetrics({ defaultMetrics: false, queueDepth: () => depth, runsByStatus: async () => runs });
    const server = await serve(metrics.registry);

    let body = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(body, 'imageprompt_queue_depth')).toBe(5);
    expect(sample(body, 'imageprompt_runs', { status: 'queued' })).toBe(3);
    expect(sample(body, 'imageprompt_runs', { status: 'running' })).toBe(1);

    depth = 7;
    runs = { running: 2 };
    body = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(body, 'imageprompt_queue_depth')).toBe(7);
    expect(sample(body, 'imageprompt_runs', { status: 'running' })).toBe(2);
    // A status with no runs any more disappears.
    expect(sample(body, 'imageprompt_runs', { status: 'queued' })).toBeUndefined();
    expect(body).not.toContain('process_cpu_user_seconds_total');
  });

  it('keeps serving, with the last value, when a source fails', async () => {
    let failing = false;
    const errors: string[] = [];
    const metrics = createMetrics({
      defaultMetrics: false,
      queueDepth: () => {
        if (failing) throw new Error('database unavailable');
        return 4;
      },
      onCollectError: (metric, error) => errors.push(`${metric}: ${(error as Error).message}`),
    });
    const server = await serve(metrics.registry);
    expect(sample(await (await fetch(`${server.url}/metrics`)).text(), 'imageprompt_queue_depth')).toBe(4);
    failing = true;
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(sample(await response.text(), 'imageprompt_queue_depth')).toBe(4);
    expect(errors).toEqual(['imageprompt_queue_depth: database unavailable']);
  });

  it('gives every call its own registry (no clash with prom-client global state)', () => {
    const first = createMetrics({ defaultMetrics: true });
    const second = createMetrics({ defaultMetrics: true });
    first.generations.inc({ provider: 'a', model: 'b' });
    expect(second.registry).not.toBe(first.registry);
    expect(second.registry.getSingleMetric('imageprompt_generations_total')).toBe(second.generations);
  });
});

describe('startMetricsServer', () => {
  it('answers /healthz, refuses other paths and methods', async () => {
    const server = await serve(createMetrics({ defaultMetrics: false }).registry);
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('closes promptly even while a client holds a connection open, and stops answering', async () => {
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry: createMetrics().registry });
    // A scraper stuck mid-request: the connection is busy, not idle, so only closing it ends it.
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});

    const started = performance.now();
    await server.close();
    await socketClosed;
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  }, 5_000);

  it('rejects when the port is taken', async () => {
    const first = await serve(createMetrics({ defaultMetrics: false }).registry);
    await expect(
      startMetricsServer({ port: first.port, host: '127.0.0.1', registry: createMetrics({ defaultMetrics: false }).registry }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
