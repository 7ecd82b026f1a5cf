/**
 * The metrics the bot and the workers publish, wired to what they do:
 * runs by status (from the database), queue depth, generations and cost by
 * provider (counted where images are generated), interaction latency.
 */
import type { Database } from '../db/client.js';
import { countRunsByStatus } from '../db/repositories/runs.js';
import type { ImageGenerator } from '../engine/providers/types.js';
import { type ImagePromptMetrics, type MetricsServer, createMetrics, startMetricsServer } from './metrics.js';

export class MetricsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** METRICS_PORT: unset = no endpoint; otherwise a port number. */
export function metricsPortFrom(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.METRICS_PORT?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MetricsConfigError(`METRICS_PORT must be a port number from 0 to 65535 (got "${raw}").`);
  return port;
}

/** The same generator, counting each image and its cost under its provider and model. */
export function meteredGenerator(generator: ImageGenerator, metrics: Pick<ImagePromptMetrics, 'generations' | 'generationCostUsd'>): ImageGenerator {
  return {
    id: generator.id,
    modelId: generator.modelId,
    takesSeed: generator.takesSeed,
    pricePerImage: (width, height) => generator.pricePerImage(width, height),
    async generate(request) {
      const image = await generator.generate(request);
      const labels = { provider: generator.id, model: image.modelId };
      metrics.generations.inc(labels);
      metrics.generationCostUsd.inc(labels, image.costUsd);
      return image;
    },
  };
}

export interface ServiceMetrics {
  metrics: ImagePromptMetrics;
  server: MetricsServer | undefined;
  close(): Promise<void>;
}

/** Creates the registry and, when METRICS_PORT is set, serves it. */
export async function startServiceMetrics(options: {
  service: 'bot' | 'worker';
  env: NodeJS.ProcessEnv;
  db: Database;
  queueDepth?: () => Promise<number> | number;
  /** Interface to listen on: all of them by default, so a container's port can be published. */
  host?: string;
}): Promise<ServiceMetrics> {
  const port = metricsPortFrom(options.env);
  const metrics = createMetrics({
    service: options.service,
    runsByStatus: () => countRunsByStatus(options.db),
    queueDepth: options.queueDepth,
  });
  const server = port === undefined ? undefined : await startMetricsServer({ port, host: options.host ?? '0.0.0.0', registry: metrics.registry });
  return { metrics, server, close: async () => server?.close() };
}
