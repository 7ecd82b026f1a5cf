import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** Shared plumbing of the fake Replicate and fake OpenAI servers (127.0.0.1, random port). */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined for an empty one. */
  body: unknown;
}

/** What a scripted route answers next. `hang` never answers (until the client gives up). */
export type FakeReply = { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> } | { kind: 'hang' };

export function json(status: number, body: unknown, headers?: Record<string, string>): FakeReply {
  return headers ? { kind: 'json', status, body, headers } : { kind: 'json', status, body };
}

export const hang: FakeReply = { kind: 'hang' };

export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export function send(response: ServerResponse, reply: FakeReply): void {
  if (reply.kind === 'hang') return;
  response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  response.end(JSON.stringify(reply.body));
}

export interface StartedServer {
  origin: string;
  close(): Promise<void>;
}

export async function startServer(handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Promise<StartedServer> {
  const server = createServer((request, response) => {
    handler(request, response).catch((error: unknown) => {
      response.writeHead(599, { 'content-type': 'text/plain' });
      response.end(`fake server bug: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests would keep the server open forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real, decodable PNG (a red 64×48 picture). */
export function makePng(): Promise<Uint8Array> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 220, g: 30, b: 30 } } })
    .png()
    .toBuffer()
    .then((buffer) => new Uint8Array(buffer));
}

/** FIFO queues of scripted replies per route; an empty queue means "default behaviour". */
export class ReplyScript<Route extends string> {
  private readonly queues = new Map<Route, FakeReply[]>();

  queue(route: Route, ...replies: FakeReply[]): void {
    this.queues.set(route, [...(this.queues.get(route) ?? []), ...replies]);
  }

  next(route: Route): FakeReply | undefined {
    return this.queues.get(route)?.shift();
  }

  clear(): void {
    this.queues.clear();
  }
}
