import { json, makePng, type FakeReply, type RecordedRequest, readJsonBody, ReplyScript, send, startServer } from '../engine/providers/fakeHttpServer.js';

/**
 * A fake of the Replicate HTTP API as documented: predictions are created at
 * POST /v1/models/{owner}/{name}/predictions (official models) or POST
 * /v1/predictions with a `version` (any model), read at GET
 * /v1/predictions/{id}, canceled at POST /v1/predictions/{id}/cancel. Output
 * files are served from /delivery/ like replicate.delivery.
 */
export type ReplicateRoute = 'create' | 'get' | 'cancel' | 'download';

export interface FakeReplicate {
  /** The API base URL, for the SDK's `baseUrl`. */
  baseUrl: string;
  requests: RecordedRequest[];
  png: Uint8Array;
  /** Requests to one route (e.g. `create`). */
  count(route: ReplicateRoute): number;
  queue(route: ReplicateRoute, ...replies: FakeReply[]): void;
  /** Forgets recorded requests and unused scripted replies (call between tests). */
  reset(): void;
  /** A prediction object as the API returns it. */
  prediction(fields: { status: string; output?: unknown; error?: string; id?: string }): Record<string, unknown>;
  close(): Promise<void>;
}

export const SAMPLED_BLIP2_CAPTIONS = ['a red circle on white', 'a red ball', 'a round red shape on a plain background'];

function routeOf(method: string, path: string): ReplicateRoute | undefined {
  if (method === 'POST' && (/^\/v1\/models\/[^/]+\/[^/]+\/predictions$/.test(path) || path === '/v1/predictions')) return 'create';
  if (method === 'GET' && /^\/v1\/predictions\/[^/]+$/.test(path)) return 'get';
  if (method === 'POST' && /^\/v1\/predictions\/[^/]+\/cancel$/.test(path)) return 'cancel';
  if (method === 'GET' && path.startsWith('/delivery/')) return 'download';
  return undefined;
}

export async function startFakeReplicate(): Promise<FakeReplicate> {
  const png = await makePng();
  const requests: Array<RecordedRequest & { route: ReplicateRoute | undefined }> = [];
  const script = new ReplyScript<ReplicateRoute>();
  let origin = '';
  let nextId = 1;
  let sampled = 0;

  const prediction = (fields: { status: string; output?: unknown; error?: string; id?: string }) => {
    const id = fields.id ?? `pred${nextId++}`;
    return {
      id,
      model: 'black-forest-labs/flux-schnell',
      version: 'hidden',
      input: {},
      output: fields.output ?? null,
      error: fields.error ?? null,
      status: fields.status,
      logs: '',
      created_at: new Date().toISOString(),
      urls: { get: `${origin}/v1/predictions/${id}`, cancel: `${origin}/v1/predictions/${id}/cancel` },
    };
  };

  /** What a model returns when nothing is scripted: BLIP captions, or one PNG file. */
  const defaultOutput = (body: unknown): unknown => {
    const input = (body as { input?: Record<string, unknown> } | undefined)?.input ?? {};
    if (input.task === 'image_captioning') return 'Caption: a red ball on a white table';
    if (input.caption === true) return SAMPLED_BLIP2_CAPTIONS[sampled++ % SAMPLED_BLIP2_CAPTIONS.length];
    return [`${origin}/delivery/out-0.png`];
  };

  const server = await startServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const method = request.method ?? 'GET';
    const body = await readJsonBody(request);
    const route = routeOf(method, path);
    requests.push({ method, path, headers: request.headers, body, route });
    if (!route) return send(response, json(404, { title: 'Not found', detail: `No route ${method} ${path}`, status: 404 }));
    const scripted = script.next(route);
    if (scripted) return send(response, scripted);
    switch (route) {
      case 'create':
        return send(response, json(201, prediction({ status: 'succeeded', output: defaultOutput(body) })));
      case 'get': {
        const id = path.split('/').pop();
        return send(response, json(200, prediction({ id, status: 'succeeded', output: [`${origin}/delivery/out-0.png`] })));
      }
      case 'cancel': {
        const id = path.split('/')[3];
        return send(response, json(200, prediction({ id, status: 'canceled' })));
      }
      case 'download':
        response.writeHead(200, { 'content-type': 'image/png' });
        response.end(Buffer.from(png));
        return;
    }
  });
  origin = server.origin;

  return {
    baseUrl: `${origin}/v1`,
    requests,
    png,
    count: (route) => requests.filter((r) => r.route === route).length,
    queue: (route, ...replies) => script.queue(route, ...replies),
    reset: () => {
      requests.length = 0;
      script.clear();
    },
    prediction,
    close: server.close,
  };
}
