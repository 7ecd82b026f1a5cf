import { describe, expect, it } from 'vitest';
import { BudgetExceededError, ProviderError, RateLimitError } from '../../../src/engine/providers/errors.js';
import { ProviderTimeoutError, TransientProviderError } from '../../../src/engine/providers/http/failures.js';
import { fromDataUri, sniffImageMime, toDataUri } from '../../../src/engine/providers/http/imageData.js';
import { OPENAI_IMAGE_PRICES_USD, openAIImagePriceUsd } from '../../../src/engine/providers/http/prices.js';
import { redactSecrets } from '../../../src/engine/providers/http/redact.js';
import { withRetries } from '../../../src/engine/providers/http/retry.js';
import { parseRetryAfterMs } from '../../../src/engine/providers/http/retryAfter.js';
import { Semaphore } from '../../../src/engine/providers/http/semaphore.js';
import { guardedGenerator, SpendingGuard } from '../../../src/engine/providers/http/spendingGuard.js';
import { withTimeout } from '../../../src/engine/providers/http/timeout.js';
import { backoffDelayMs, DEFAULT_RETRY_TIMING } from '../../../src/engine/providers/http/timing.js';
import { nearestOpenAISize } from '../../../src/engine/providers/openai/sizes.js';
import { fluxMegapixels, nearestFluxAspectRatio } from '../../../src/engine/providers/replicate/fluxInput.js';
import type { GenerationRequest, ImageGenerator } from '../../../src/engine/providers/types.js';
import { recordingTiming } from './timing.js';

const headers = (entries: Record<string, string>) => new Headers(entries);

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds, HTTP dates and retry-after-ms', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfterMs(headers({ 'retry-after': '2' }), now)).toBe(2_000);
    expect(parseRetryAfterMs(headers({ 'retry-after': '0.25' }), now)).toBe(250);
    expect(parseRetryAfterMs(headers({ 'retry-after': 'Thu, 26 Nov 2026 10:00:07 GMT' }), now)).toBe(7_000);
    expect(parseRetryAfterMs(headers({ 'retry-after': 'Thu, 26 Nov 2026 09:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfterMs(headers({ 'retry-after-ms': '120', 'retry-after': '9' }), now)).toBe(120);
    expect(parseRetryAfterMs(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfterMs(headers({}), now)).toBeUndefined();
  });
});

describe('backoff with full jitter', () => {
  it('stays in [0, min(max, base·2^retry)) and scales with random()', () => {
    const timing = { ...DEFAULT_RETRY_TIMING, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelayMs(0, { ...timing, random: () => 0 })).toBe(0);
    expect(backoffDelayMs(0, { ...timing, random: () => 0.999 })).toBeCloseTo(99.9);
    expect(backoffDelayMs(3, { ...timing, random: () => 0.5 })).toBe(400);
    expect(backoffDelayMs(10, { ...timing, random: () => 0.5 })).toBe(500);
  });
});

describe('withRetries', () => {
  it('retries only transient failures and rethrows the last one', async () => {
    const { timing, waits } = recordingTiming({ maxRetries: 4 });
    let calls = 0;
    const failure = withRetries(
      async () => {
        calls++;
        throw new TransientProviderError('p', 'down', 503, undefined);
      },
      { provider: 'p', timing: { ...DEFAULT_RETRY_TIMING, ...timing } },
    );
    await expect(failure).rejects.toBeInstanceOf(TransientProviderError);
    expect(calls).toBe(5);
    // 0.5 · min(80, 20·2^k): doubling until the 80 ms cap.
    expect(waits).toEqual([10, 20, 40, 40]);
  });

  it('does not retry a final failure', async () => {
    const { timing, waits } = recordingTiming();
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new ProviderError('bad request', 'p');
        },
        { provider: 'p', timing: { ...DEFAULT_RETRY_TIMING, ...timing } },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('fails at once when Retry-After exceeds the cap, keeping the hint', async () => {
    const { timing, waits } = recordingTiming({ maxRetryAfterMs: 1_000 });
    const error = await withRetries(
      async () => {
        throw new RateLimitError('p', 30_000);
      },
      { provider: 'p', timing: { ...DEFAULT_RETRY_TIMING, ...timing } },
    ).catch((e: unknown) => e);
    expect((error as RateLimitError).retryAfterMs).toBe(30_000);
    expect(waits).toEqual([]);
  });

  it('tells the caller about each wait', async () => {
    const { timing } = recordingTiming();
    const notices: unknown[] = [];
    let calls = 0;
    await withRetries(
      async () => {
        if (calls++ === 0) throw new RateLimitError('p', 1_500);
        return 'ok';
      },
      { provider: 'p', timing: { ...DEFAULT_RETRY_TIMING, ...timing }, onRetry: (notice) => notices.push(notice) },
    );
    expect(notices).toEqual([{ provider: 'p', retry: 1, delayMs: 1_500, fromRetryAfter: true, reason: expect.stringContaining('rate limiting') }]);
  });

  it('stops waiting when the signal aborts during a back-off', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    const error = await withRetries(
      async () => {
        throw new RateLimitError('p', 5_000);
      },
      { provider: 'p', timing: DEFAULT_RETRY_TIMING, signal: controller.signal },
    ).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('withTimeout', () => {
  it('reports our limit as ProviderTimeoutError and the caller abort as its own reason', async () => {
    const never = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('sdk saw abort'))));
    await expect(withTimeout(never, { provider: 'p', timeoutMs: 20 })).rejects.toBeInstanceOf(ProviderTimeoutError);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException('user left', 'AbortError')), 10);
    await expect(withTimeout(never, { provider: 'p', timeoutMs: 5_000, signal: controller.signal })).rejects.toThrow('user left');
  });
});

describe('Semaphore', () => {
  it('never lets more than `limit` tasks run at once', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const task = () =>
      semaphore.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
      });
    await Promise.all(Array.from({ length: 7 }, task));
    expect(peak).toBe(2);
    expect(semaphore.inUse).toBe(0);
  });

  it('drops an aborted waiter without leaking its slot', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    expect(semaphore.waiting).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    expect(semaphore.waiting).toBe(0);
    release();
    expect(semaphore.inUse).toBe(0);
    const again = await semaphore.acquire();
    expect(semaphore.inUse).toBe(1);
    again();
  });
});

describe('SpendingGuard', () => {
  function stubGenerator(behaviour: () => Promise<void> = async () => {}): ImageGenerator & { calls: number } {
    const stub = {
      id: 'stub',
      modelId: 'stub@1',
      takesSeed: true,
      calls: 0,
      pricePerImage: () => 0.04,
      async generate(request: GenerationRequest) {
        stub.calls++;
        await behaviour();
        return { bytes: new Uint8Array([request.seed]), modelId: 'stub@1', costUsd: 0.04 };
      },
    };
    return stub;
  }
  const request = { prompt: 'p', seed: 1, width: 64, height: 64 };

  it('refuses before calling once the image limit is reached', async () => {
    const inner = stubGenerator();
    const guard = new SpendingGuard({ maxImages: 2 });
    const guarded = guardedGenerator(inner, guard);
    await guarded.generate(request);
    await guarded.generate(request);
    await expect(guarded.generate(request)).rejects.toThrow(new BudgetExceededError('images', 2, 2));
    expect(inner.calls).toBe(2);
  });

  it('counts calls in flight so concurrent calls cannot overshoot the cost limit', async () => {
    const inner = stubGenerator(() => new Promise((resolve) => setTimeout(resolve, 10)));
    const guard = new SpendingGuard({ maxCostUsd: 0.1 });
    const guarded = guardedGenerator(inner, guard);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => guarded.generate(request)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(inner.calls).toBe(2);
    expect(guard.snapshot()).toEqual({ images: 2, costUsd: 0.08, pendingImages: 0, pendingCostUsd: 0 });
  });

  it('releases a failed call but charges a timed-out one (it may have been billed)', async () => {
    const guard = new SpendingGuard({ maxCostUsd: 1 });
    const failing = guardedGenerator(
      stubGenerator(async () => {
        throw new ProviderError('refused', 'stub');
      }),
      guard,
    );
    await expect(failing.generate(request)).rejects.toThrow('refused');
    expect(guard.snapshot().costUsd).toBe(0);
    const timingOut = guardedGenerator(
      stubGenerator(async () => {
        throw new ProviderTimeoutError('stub', 100);
      }),
      guard,
    );
    await expect(timingOut.generate(request)).rejects.toBeInstanceOf(ProviderTimeoutError);
    expect(guard.snapshot()).toMatchObject({ images: 1, costUsd: 0.04, pendingImages: 0 });
  });

  it('accepts a budget met exactly despite float sums', () => {
    const guard = new SpendingGuard({ maxCostUsd: 0.3 });
    guard.reserve(0.1).commit(0.1);
    guard.reserve(0.2).commit(0.2);
    expect(() => guard.check(0.001)).toThrow(BudgetExceededError);
  });
});

describe('sizes, prices and redaction', () => {
  it('maps requests to the nearest size each model supports', () => {
    expect(nearestOpenAISize('dall-e-2', 300, 300)).toBe('256x256');
    expect(nearestOpenAISize('dall-e-2', 700, 400)).toBe('512x512');
    expect(nearestOpenAISize('dall-e-3', 512, 512)).toBe('1024x1024');
    expect(nearestOpenAISize('dall-e-3', 512, 900)).toBe('1024x1792');
    expect(nearestOpenAISize('gpt-image-1', 1600, 1000)).toBe('1536x1024');
    expect(nearestFluxAspectRatio(1920, 1080)).toBe('16:9');
    expect(nearestFluxAspectRatio(600, 800)).toBe('3:4');
    expect(fluxMegapixels(512, 512)).toBe('0.25');
    expect(fluxMegapixels(1024, 1024)).toBe('1');
  });

  it('prices every size a model supports', () => {
    for (const [model, byQuality] of Object.entries(OPENAI_IMAGE_PRICES_USD)) {
      for (const [quality, bySize] of Object.entries(byQuality)) {
        for (const [size, price] of Object.entries(bySize)) {
          expect(openAIImagePriceUsd(model as keyof typeof OPENAI_IMAGE_PRICES_USD, quality, size)).toBe(price);
        }
      }
    }
    expect(() => openAIImagePriceUsd('dall-e-2', 'hd', '256x256')).toThrow(RangeError);
  });

  it('redacts Replicate tokens, OpenAI keys (even masked) and bearer tokens', () => {
    const text = 'token r8_abcDEF123 key sk-proj-Abc_123-xyz masked sk-test-****1234 header Authorization: Bearer abc.def-ghi';
    const redacted = redactSecrets(text);
    expect(redacted).not.toMatch(/r8_|sk-|abc\.def/);
    expect(redacted).toContain('Bearer [redacted]');
  });

  it('round-trips images through data URIs and recognises formats', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const uri = toDataUri(png);
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    expect(fromDataUri(uri)).toEqual(png);
    expect(sniffImageMime(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageMime(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});
