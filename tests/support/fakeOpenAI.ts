import { json, makePng, type FakeReply, type RecordedRequest, readJsonBody, ReplyScript, send, startServer } from '../engine/providers/fakeHttpServer.js';

/**
 * A fake of the OpenAI REST API as documented: POST /v1/images/generations
 * answers `{ created, data: [{ b64_json }] }`, POST /v1/chat/completions
 * answers n choices; errors use the `{ error: { message, type, param, code } }` shape.
 */
export type OpenAIRoute = 'images' | 'chat';

export interface FakeOpenAI {
  /** The API base URL, for the SDK's `baseURL`. */
  baseURL: string;
  requests: RecordedRequest[];
  png: Uint8Array;
  count(route: OpenAIRoute): number;
  queue(route: OpenAIRoute, ...replies: FakeReply[]): void;
  /** Forgets recorded requests and unused scripted replies (call between tests). */
  reset(): void;
  close(): Promise<void>;
}

/** The real API's error body. */
export function openAIError(status: number, message: string, code: string | null, type = 'invalid_request_error', headers?: Record<string, string>): FakeReply {
  return json(status, { error: { message, type, param: null, code } }, headers);
}

export const FAKE_CAPTIONS = ['a red ball', 'a small red circle on white', 'red round object'];

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const png = await makePng();
  const requests: Array<RecordedRequest & { route: OpenAIRoute | undefined }> = [];
  const script = new ReplyScript<OpenAIRoute>();

  const server = await startServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const method = request.method ?? 'GET';
    const body = await readJsonBody(request);
    const route: OpenAIRoute | undefined =
      method === 'POST' && path === '/v1/images/generations' ? 'images' : method === 'POST' && path === '/v1/chat/completions' ? 'chat' : undefined;
    requests.push({ method, path, headers: request.headers, body, route });
    if (!route) return send(response, openAIError(404, `Unknown route ${method} ${path}`, null));
    const scripted = script.next(route);
    if (scripted) return send(response, scripted);
    if (route === 'images') {
      return send(response, json(200, { created: Math.floor(Date.now() / 1000), data: [{ b64_json: Buffer.from(png).toString('base64') }] }));
    }
    const n = (body as { n?: number } | undefined)?.n ?? 1;
    return send(
      response,
      json(200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: 'gpt-4o-mini',
        choices: Array.from({ length: n }, (_, index) => ({
          index,
          finish_reason: 'stop',
          message: { role: 'assistant', content: FAKE_CAPTIONS[index % FAKE_CAPTIONS.length], refusal: null },
        })),
      }),
    );
  });

  return {
    baseURL: `${server.origin}/v1`,
    requests,
    png,
    count: (route) => requests.filter((r) => r.route === route).length,
    queue: (route, ...replies) => script.queue(route, ...replies),
    reset: () => {
      requests.length = 0;
      script.clear();
    },
    close: server.close,
  };
}
