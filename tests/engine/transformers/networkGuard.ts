/**
 * Makes any network request from `@huggingface/transformers` (which fetches
 * through `env.fetch`) or from anything else using global `fetch` fail loudly
 * and be recorded, so a test can assert the offline switch really is offline.
 * With `allowLoopback`, requests to 127.0.0.1 (a local fake Hub) go through.
 */
import { env } from '@huggingface/transformers';

export interface NetworkGuard {
  /** URLs something tried to fetch, loopback ones included. */
  readonly attempts: string[];
  /** The attempts that were refused (everything but allowed loopback). */
  readonly refused: string[];
  restore(): void;
}

export function guardNetwork(options: { allowLoopback?: boolean } = {}): NetworkGuard {
  const attempts: string[] = [];
  const refused: string[] = [];
  const libraryFetch = env.fetch;
  const globalFetch = globalThis.fetch;
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    attempts.push(url);
    if (options.allowLoopback && new URL(url).hostname === '127.0.0.1') return globalFetch(input, init);
    refused.push(url);
    throw new Error(`network access in a test: ${url}`);
  };
  env.fetch = guarded;
  globalThis.fetch = guarded;
  return {
    attempts,
    refused,
    restore() {
      env.fetch = libraryFetch;
      globalThis.fetch = globalFetch;
    },
  };
}
