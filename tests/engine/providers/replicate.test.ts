import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BudgetExceededError, MissingKeyError, ProviderError, RateLimitError, SafetyRefusalError } from '../../../src/engine/providers/errors.js';
import { ProviderTimeoutError, TransientProviderError } from '../../../src/engine/providers/http/failures.js';
import { SpendingGuard } from '../../../src/engine/providers/http/spendingGuard.js';
import { abortableSleep } from '../../../src/engine/providers/http/timing.js';
import { createCaptioner, createGenerator } from '../../../src/engine/providers/registry.js';
import { ReplicateBlipCaptioner, ReplicateGenerator, REPLICATE_SAFETY_MESSAGE } from '../../../src/engine/providers/replicate/index.js';
import { hang, json } from './fakeHttpServer.js';
import { type FakeReplicate, SAMPLED_BLIP2_CAPTIONS, startFakeReplicate } from '../../support/fakeReplicate.js';
import { recordingTiming } from './timing.js';

const TOKEN = 'r8_TestToken1234567890abcdef';
let fake: FakeReplicate;

beforeAll(async () => {
  fake = await startFakeReplicate();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
});

function generator(extra: Partial<ConstructorParameters<typeof ReplicateGenerator>[0]> = {}) {
  const { timing, waits } = recordingTiming();
  const instance = new ReplicateGenerator({ apiToken: TOKEN, baseUrl: fake.baseUrl, timing, timeoutMs: 2_000, pollIntervalMs: 5, ...extra });
  return { instance, waits };
}

const request = { prompt: 'a red ball', seed: 42, width: 512, height: 512 };

describe('ReplicateGenerator against a fake Replicate API', () => {
  it('creates a flux-schnell prediction the documented way and returns the PNG it serves', async () => {
    const { instance } = generator();
    const image = await instance.generate(request);

    expect(Buffer.from(image.bytes).equals(Buffer.from(fake.png))).toBe(true);
    expect((await sharp(image.bytes).metadata()).format).toBe('png');
    expect(image.costUsd).toBe(0.003);
    expect(instance.takesSeed).toBe(true);

    const [create, download] = fake.requests;
    expect(create?.method).toBe('POST');
    expect(create?.path).toBe('/v1/models/black-forest-labs/flux-schnell/predictions');
    expect(create?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(create?.headers['content-type']).toBe('application/json');
    expect(create?.headers.prefer).toMatch(/^wait=\d+$/);
    expect(create?.body).toEqual({
      input: { prompt: 'a red ball', seed: 42, aspect_ratio: '1:1', megapixels: '0.25', num_outputs: 1, output_format: 'png', go_fast: false },
    });
    // Output files are fetched without the token.
    expect(download?.path).toBe('/delivery/out-0.png');
    expect(download?.headers.authorization).toBeUndefined();
  });

  it('maps a wide 1024x576 request to the 16:9 ratio at 1 megapixel', async () => {
    const { instance } = generator();
    await instance.generate({ ...request, width: 1024, height: 576 });
    expect(fake.requests[0]?.body).toMatchObject({ input: { aspect_ratio: '16:9', megapixels: '1' } });
  });

  it('waits out Retry-After (in seconds) on a 429, then succeeds with one request per attempt', async () => {
    fake.queue('create', json(429, { title: 'Request was throttled', detail: 'Request was throttled.', status: 429 }, { 'retry-after': '0.06' }));
    // Real sleeping here: the wait itself is what is being checked.
    const instance = new ReplicateGenerator({ apiToken: TOKEN, baseUrl: fake.baseUrl, timing: { sleep: abortableSleep, maxRetries: 2 }, timeoutMs: 2_000 });
    const started = performance.now();
    const image = await instance.generate(request);
    const elapsed = performance.now() - started;

    expect(image.bytes.length).toBe(fake.png.length);
    expect(elapsed).toBeGreaterThanOrEqual(55);
    // The SDK's own retry loop would have sent 6 POSTs back to back for one 429; ours sends exactly 2.
    expect(fake.count('create')).toBe(2);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
    fake.queue('create', json(429, { detail: 'throttled', status: 429 }, { 'retry-after': inTwoSeconds }));
    const { instance, waits } = generator();
    await instance.generate(request);
    expect(waits).toHaveLength(1);
    // HTTP dates have one-second resolution.
    expect(waits[0]).toBeGreaterThan(900);
    expect(waits[0]).toBeLessThanOrEqual(2_000);
  });

  it('retries a 5xx with jittered back-off, then succeeds', async () => {
    fake.queue('create', json(503, { detail: 'upstream unavailable', status: 503 }));
    const { instance, waits } = generator();
    await instance.generate(request);
    // Full jitter with random() = 0.5 and base 20 ms: 0.5 · min(80, 20 · 2^0).
    expect(waits).toEqual([10]);
    expect(fake.count('create')).toBe(2);
  });

  it('gives up after maxRetries on a persistent 5xx', async () => {
    fake.queue('create', ...Array.from({ length: 3 }, () => json(500, { detail: 'boom', status: 500 })));
    const { instance, waits } = generator();
    const failure = instance.generate(request);
    await expect(failure).rejects.toBeInstanceOf(TransientProviderError);
    await expect(failure).rejects.toThrow(/HTTP 500/);
    expect(fake.count('create')).toBe(3);
    expect(waits).toEqual([10, 20]);
  });

  it('reports RateLimitError with the hint when 429s never stop', async () => {
    fake.queue('create', ...Array.from({ length: 3 }, () => json(429, { detail: 'throttled', status: 429 }, { 'retry-after': '1' })));
    const { instance } = generator();
    const error = await instance.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(1_000);
    expect(fake.count('create')).toBe(3);
  });

  it('times out a request the server never answers, without retrying it', async () => {
    fake.queue('create', hang);
    const { instance } = generator({ timeoutMs: 150 });
    const started = performance.now();
    const error = await instance.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(fake.count('create')).toBe(1);
  });

  it('stops at once when the caller aborts', async () => {
    fake.queue('create', hang);
    const { instance } = generator();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 40);
    const started = performance.now();
    const error = await instance.generate({ ...request, signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(500);
    expect(fake.count('create')).toBe(1);
  });

  it('polls a prediction that outlives sync mode, and cancels it when the caller aborts', async () => {
    fake.queue('create', json(201, fake.prediction({ id: 'slow1', status: 'starting' })));
    fake.queue('get', ...Array.from({ length: 50 }, () => json(200, fake.prediction({ id: 'slow1', status: 'processing' }))));
    const { instance } = generator({ pollIntervalMs: 10 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    const error = await instance.generate({ ...request, signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(fake.count('get')).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.requests.some((r) => r.method === 'POST' && r.path === '/v1/predictions/slow1/cancel')).toBe(true);
  });

  it('polls until the prediction succeeds', async () => {
    fake.queue('create', json(201, fake.prediction({ id: 'p2', status: 'starting' })));
    fake.queue('get', json(200, fake.prediction({ id: 'p2', status: 'processing' })));
    const { instance } = generator();
    const image = await instance.generate(request);
    expect(image.bytes.length).toBe(fake.png.length);
    expect(fake.requests.filter((r) => r.path === '/v1/predictions/p2').length).toBe(2);
  });

  it('turns an NSFW failure into SafetyRefusalError with a message for players', async () => {
    fake.queue(
      'create',
      json(201, fake.prediction({ status: 'failed', error: 'NSFW content detected in all outputs. Try running it again, or try a different prompt.' })),
    );
    const { instance } = generator();
    const error = await instance.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusalError);
    expect((error as SafetyRefusalError).userMessage).toBe(REPLICATE_SAFETY_MESSAGE);
    expect(fake.count('download')).toBe(0);
  });

  it('turns a 401 into MissingKeyError(rejected) that never shows the token', async () => {
    fake.queue('create', json(401, { title: 'Unauthenticated', detail: `Invalid token ${TOKEN}`, status: 401 }));
    const { instance } = generator();
    const error = await instance.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingKeyError);
    expect((error as MissingKeyError).envVar).toBe('REPLICATE_API_TOKEN');
    expect((error as Error).message).toMatch(/rejected the API key in REPLICATE_API_TOKEN/);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(String((error as Error).stack)).not.toContain('r8_');
    expect(fake.count('create')).toBe(1);
  });

  it('redacts tokens that an API echoes in an error detail', async () => {
    fake.queue('create', json(422, { detail: `input invalid; you sent Authorization: Bearer ${TOKEN}`, status: 422 }));
    const { instance } = generator();
    const error = await instance.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/HTTP 422/);
    expect((error as Error).message).not.toContain(TOKEN);
    expect((error as Error).message).not.toContain('r8_');
  });

  it('names the missing variable when no token is set', () => {
    expect(() => createGenerator('replicate', {})).toThrow(MissingKeyError);
    expect(() => createGenerator('replicate', { REPLICATE_API_TOKEN: '  ' })).toThrow(/set REPLICATE_API_TOKEN/);
  });

  it('stops at the budget before any request reaches the API', async () => {
    const guard = new SpendingGuard({ maxImages: 2 });
    const guarded = createGenerator('replicate', { REPLICATE_API_TOKEN: TOKEN }, { baseUrl: fake.baseUrl, guard, timing: recordingTiming().timing });
    await guarded.generate(request);
    await guarded.generate({ ...request, seed: 43 });
    const error = await guarded.generate({ ...request, seed: 44 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(fake.count('create')).toBe(2);
    expect(guard.snapshot()).toMatchObject({ images: 2, costUsd: 0.006, pendingImages: 0 });
  });
});

describe('ReplicateBlipCaptioner', () => {
  const image = () => fake.png;

  it("runs the paper's BLIP once (it is deterministic) and repeats its caption", async () => {
    const captioner = new ReplicateBlipCaptioner({ apiToken: TOKEN, baseUrl: fake.baseUrl, timing: recordingTiming().timing });
    const captions = await captioner.caption(image(), 5);
    expect(captions).toEqual(Array(5).fill('a red ball on a white table'));
    expect(fake.count('create')).toBe(1);
    const create = fake.requests[0];
    expect(create?.path).toBe('/v1/predictions');
    expect(create?.body).toMatchObject({
      version: '2e1dddc8621f72155f24cf2e0adbde548458d3cab9f00c0139eea840d0ac4746',
      input: { task: 'image_captioning' },
    });
    const sent = String((create?.body as { input?: { image?: string } } | undefined)?.input?.image);
    expect(sent.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(sent.split(',')[1] ?? '', 'base64').equals(Buffer.from(fake.png))).toBe(true);
  });

  it('samples BLIP-2 once per caption for variety', async () => {
    const captioner = createCaptioner('replicate-blip', { REPLICATE_API_TOKEN: TOKEN }, { baseUrl: fake.baseUrl, model: 'andreasjansson/blip-2' });
    const captions = await captioner.caption(image(), 3);
    expect(new Set(captions)).toEqual(new Set(SAMPLED_BLIP2_CAPTIONS));
    expect(fake.count('create')).toBe(3);
    expect(fake.requests[0]?.body).toMatchObject({ input: { caption: true, use_nucleus_sampling: true, temperature: 1 } });
  });

  it('cancels the sibling predictions when one caption call fails', async () => {
    // All three predictions start; the first status poll to arrive reports a failure, the others hang.
    fake.queue('create', ...['a', 'b', 'c'].map((id) => json(201, fake.prediction({ id, status: 'starting' }))));
    fake.queue('get', json(200, fake.prediction({ id: 'failed', status: 'failed', error: 'CUDA out of memory' })), hang, hang);
    // A 50 ms poll interval lets all three creates come back before the first poll (a create cut off mid-flight has no id to cancel).
    const captioner = new ReplicateBlipCaptioner({ apiToken: TOKEN, baseUrl: fake.baseUrl, model: 'andreasjansson/blip-2', pollIntervalMs: 50 });
    await expect(captioner.caption(image(), 3)).rejects.toThrow(/CUDA out of memory/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const canceled = fake.requests.filter((r) => r.path.endsWith('/cancel')).map((r) => r.path);
    expect(canceled).toHaveLength(2);
    expect(canceled.every((path) => /^\/v1\/predictions\/[abc]\/cancel$/.test(path))).toBe(true);
  });

  it('makes no call for zero captions', async () => {
    const captioner = new ReplicateBlipCaptioner({ apiToken: TOKEN, baseUrl: fake.baseUrl });
    expect(await captioner.caption(image(), 0)).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });
});
