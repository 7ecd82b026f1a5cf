import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where a gauge's current value is read at scrape time (e.g. a COUNT query on the jobs table). */
export type GaugeSource<T> = () => T | Promise<T>;

export interface MetricsOptions {
  /** Added as a `service` label to every series, e.g. `bot` or `worker`. */
  service?: string;
  /** Read on every scrape: jobs waiting in the run queue. */
  queueDepth?: GaugeSource<number>;
  /** Read on every scrape: how many runs are in each status now, e.g. `{ queued: 3, running: 1 }`. */
  runsByStatus?: GaugeSource<Readonly<Record<string, number>>>;
  /** Node.js process metrics (CPU, memory, event loop lag, GC). Default: true. */
  defaultMetrics?: boolean;
  /**
   * Called when a gauge source throws; the scrape still succeeds with the gauge's previous value,
   * so a database outage does not hide the process metrics. Default: ignore.
   */
  onCollectError?: (metric: string, error: unknown) => void;
}

export interface ImagePromptMetrics {
  registry: Registry;
  /** Runs that reached a status (`queued`, `running`, `completed`, `failed`, `cancelled`, …). */
  runTransitions: Counter<'status'>;
  /** Runs currently in each status (from `runsByStatus`, or set directly). */
  runsByStatus: Gauge<'status'>;
  /** Images generated, by provider and model. */
  generations: Counter<'provider' | 'model'>;
  /** Money spent on generation in US dollars, by provider and model. */
  generationCostUsd: Counter<'provider' | 'model'>;
  /** Jobs waiting in the run queue (from `queueDepth`, or set directly). */
  queueDepth: Gauge;
  /** Time from receiving a Discord interaction to acknowledging it, in seconds. */
  interactionLatencySeconds: Histogram<'command'>;
}

/**
 * Interaction latency buckets in seconds, dense below Discord's 3 s acknowledgement deadline
 * (the bot's target p99 is 0.5 s).
 */
export const INTERACTION_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10];

/** A fresh registry (never prom-client's global one) holding ImagePrompt's metrics. */
export function createMetrics(options: MetricsOptions = {}): ImagePromptMetrics {
  const registry = new Registry();
  if (options.service) registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const reportError = options.onCollectError ?? (() => {});

  const runTransitions = new Counter({
    name: 'imageprompt_run_transitions_total',
    help: 'Training runs that reached a status, by status.',
    labelNames: ['status'] as const,
    registers,
  });

  const { runsByStatus: readRunsByStatus, queueDepth: readQueueDepth } = options;
  const runsByStatus = new Gauge({
    name: 'imageprompt_runs',
    help: 'Training runs currently in each status.',
    labelNames: ['status'] as const,
    registers,
    ...(readRunsByStatus && {
      async collect(this: Gauge<'status'>) {
        try {
          const counts = await readRunsByStatus();
          // Statuses absent from this reading have no runs any more.
          this.reset();
          for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
        } catch (error) {
          reportError('imageprompt_runs', error);
        }
      },
    }),
  });

  const generations = new Counter({
    name: 'imageprompt_generations_total',
    help: 'Images generated, by provider and model.',
    labelNames: ['provider', 'model'] as const,
    registers,
  });

  const generationCostUsd = new Counter({
    name: 'imageprompt_generation_cost_usd_total',
    help: 'Money spent on image generation in US dollars, by provider and model.',
    labelNames: ['provider', 'model'] as const,
    registers,
  });

  const queueDepth = new Gauge({
    name: 'imageprompt_queue_depth',
    help: 'Training-run jobs waiting in the queue.',
    registers,
    ...(readQueueDepth && {
      async collect(this: Gauge) {
        try {
          this.set(await readQueueDepth());
        } catch (error) {
          reportError('imageprompt_queue_depth', error);
        }
      },
    }),
  });

  const interactionLatencySeconds = new Histogram({
    name: 'imageprompt_interaction_latency_seconds',
    help: 'Time from receiving a Discord interaction to acknowledging it, in seconds.',
    labelNames: ['command'] as const,
    buckets: INTERACTION_LATENCY_BUCKETS,
    registers,
  });

  return {
    registry,
    runTransitions,
    runsByStatus,
    generations,
    generationCostUsd,
    queueDepth,
    interactionLatencySeconds,
  };
}

export interface MetricsServerOptions {
  /** 0 picks a free port (see `MetricsServer.port`). */
  port: number;
  /** Default `0.0.0.0`, so Prometheus can scrape the container; `127.0.0.1` for local use. */
  host?: string;
  registry: Registry;
}

export interface MetricsServer {
  /** The port actually bound. */
  port: number;
  /** e.g. `http://127.0.0.1:9464`. */
  url: string;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) and `GET /healthz` (200 "ok": the process is up
 * and its event loop answers) on a plain node:http server.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '0.0.0.0';
  const server = createServer((request, response) => {
    void answer(options.registry, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { port, url: `http://${urlHost}:${port}`, close: () => closeServer(server) };
}

async function answer(registry: Registry, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (path !== '/metrics') {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  try {
    const body = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${reason}\n`);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Prometheus keeps its scrape connections alive; without this, close() would wait for them.
    server.closeAllConnections();
  });
}
