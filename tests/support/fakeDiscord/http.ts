/**
 * The REST half of the fake: a tiny router over node:http that parses JSON and
 * multipart bodies like Discord does, records every request, and answers in
 * Discord's shapes (204 with no body and no content type; JSON errors with `code`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpError } from './validation.js';

export const API_PREFIX = '/api/v10';

export interface UploadedFile {
  /** The multipart field, e.g. `files[0]`. */
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

export interface RecordedRequest {
  readonly method: string;
  /** Decoded path after `/api/v10`, e.g. `/webhooks/1/abc/messages/@original`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The JSON body, or `payload_json` of a multipart body. */
  readonly json: unknown;
  readonly files: readonly UploadedFile[];
  readonly authorization: 'bot' | 'none' | 'invalid';
  /** performance.now() when the request arrived. */
  readonly at: number;
  status: number;
  rateLimited: boolean;
  /** False when no route matched (the fake answered 404): a gap in the fake, or a wrong URL in the bot. */
  handled: boolean;
}

export type RouteResult = { status: 200 | 201; json: unknown } | { status: 204 } | { status: 429; json: unknown; headers: Record<string, string> };

export interface RouteRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly json: unknown;
  readonly files: readonly UploadedFile[];
  readonly record: RecordedRequest;
}

type Handler = (request: RouteRequest) => RouteResult | Promise<RouteResult>;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly auth: boolean;
  readonly handler: Handler;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

export class RestRouter {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, options: { auth?: boolean } = {}): void {
    this.routes.push({ method, segments: splitPath(pattern), auth: options.auth ?? true, handler });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const segments = splitPath(path);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const matches = route.segments.every((expected, index) => {
        const actual = segments[index]!;
        if (expected.startsWith(':')) {
          params[expected.slice(1)] = actual;
          return true;
        }
        return expected === actual;
      });
      if (matches) return { route, params };
    }
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON or multipart (`payload_json` + `files[N]`), as @discordjs/rest sends them. */
export async function parseBody(request: IncomingMessage, url: string): Promise<{ json: unknown; files: UploadedFile[] }> {
  const raw = await readBody(request);
  const contentType = request.headers['content-type'] ?? '';
  if (raw.length === 0) return { json: undefined, files: [] };
  if (contentType.startsWith('application/json')) return { json: JSON.parse(raw.toString('utf8')), files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request(url, { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    const files: UploadedFile[] = [];
    let json: unknown;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = JSON.parse(value);
        continue;
      }
      files.push({ field, filename: value.name, contentType: value.type, bytes: new Uint8Array(await value.arrayBuffer()) });
    }
    return { json, files };
  }
  return { json: raw.toString('utf8'), files: [] };
}

export function sendResult(response: ServerResponse, result: RouteResult): void {
  if (result.status === 204) {
    // No body and no content type: a JSON content type on a 204 makes @discordjs/rest throw.
    response.writeHead(204).end();
    return;
  }
  const headers = { 'content-type': 'application/json', ...('headers' in result ? result.headers : {}) };
  response.writeHead(result.status, headers).end(JSON.stringify(result.json));
}

export function sendError(response: ServerResponse, error: HttpError): void {
  response
    .writeHead(error.status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ message: error.message, code: error.code, ...(error.errors ? { errors: error.errors } : {}) }));
}

export function authorizationOf(header: string | undefined, expectedToken: string | undefined): RecordedRequest['authorization'] {
  if (header === undefined) return 'none';
  if (!header.startsWith('Bot ')) return 'invalid';
  const token = header.slice(4);
  if (token.length === 0 || (expectedToken !== undefined && token !== expectedToken)) return 'invalid';
  return 'bot';
}

export function decodePath(pathname: string): string {
  return `/${splitPath(pathname).map((segment) => decodeURIComponent(segment)).join('/')}`;
}
