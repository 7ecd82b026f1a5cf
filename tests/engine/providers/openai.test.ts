import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BudgetExceededError, MissingKeyError, ProviderError, RateLimitError, SafetyRefusalError } from '../../../src/engine/providers/errors.js';
import { ProviderTimeoutError, TransientProviderError } from '../../../src/engine/providers/http/failures.js';
import { SpendingGuard } from '../../../src/engine/providers/http/spendingGuard.js';
import { abortableSleep } from '../../../src/engine/providers/http/timing.js';
import { OPENAI_SAFETY_MESSAGE, OpenAIGenerator, type OpenAIGeneratorOptions, OpenAIVisionCaptioner } from '../../../src/engine/providers/openai/index.js';
import { createCaptioner, createGenerator } from '../../../src/engine/providers/registry.js';
import { hang, json } from './fakeHttpServer.js';
import { FAKE_CAPTIONS, type FakeOpenAI, openAIError, startFakeOpenAI } from '../../support/fakeOpenAI.js';
import { recordingTiming } from './timing.js';

const KEY = 'sk-test-Abcdefghijklmnop1234';
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function generator(extra: Partial<OpenAIGeneratorOptions> = {}) {
  const { timing, waits } = recordingTiming();
  const instance = new OpenAIGenerator({ apiKey: KEY, baseURL: fake.baseURL, timing, timeoutMs: 2_000, ...extra });
  return { instance, waits };
}

const request = { prompt: 'a red ball', seed: 7, width: 512, height: 512 };

describe('OpenAIGenerator against a fake OpenAI API', () => {
  it('sends the documented gpt-image-1 body and decodes the base64 PNG', async () => {
    const { instance } = generator();
    const image = await instance.generate(request);
    expect(Buffer.from(image.bytes).equals(Buffer.from(fake.png))).toBe(true);
    expect((await sharp(image.bytes).metadata()).format).toBe('png');
    expect(image.costUsd).toBe(0.011);
    expect(image.modelId).toBe('gpt-image-1:low');
    expect(instance.takesSeed).toBe(false);

    const sent = fake.requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/v1/images/generations');
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent?.headers['content-type']).toBe('application/json');
    // GPT image models reject response_format; they always answer in base64.
    expect(sent?.body).toEqual({ model: 'gpt-image-1', prompt: 'a red ball', n: 1, size: '1024x1024', quality: 'low', output_format: 'png' });
  });

  it('asks dall-e-2 for b64_json at the nearest supported size', async () => {
    const { instance } = generator({ model: 'dall-e-2' });
    await instance.generate({ ...request, width: 300, height: 300 });
    expect(fake.requests[0]?.body).toEqual({ model: 'dall-e-2', prompt: 'a red ball', n: 1, size: '256x256', response_format: 'b64_json' });
    expect(instance.pricePerImage(300, 300)).toBe(0.016);
  });

  it('maps a 3:2 request on dall-e-3 to 1792x1024 and prices it', async () => {
    const { instance } = generator({ model: 'dall-e-3', quality: 'hd', style: 'natural' });
    const image = await instance.generate({ ...request, width: 768, height: 512 });
    expect(fake.requests[0]?.body).toMatchObject({ model: 'dall-e-3', size: '1792x1024', quality: 'hd', style: 'natural', response_format: 'b64_json' });
    expect(image.costUsd).toBe(0.12);
    expect(instance.modelId).toBe('dall-e-3:hd:natural');
  });

  it('refuses an over-long prompt before any request', async () => {
    const { instance } = generator({ model: 'dall-e-2' });
    await expect(instance.generate({ ...request, prompt: 'x'.repeat(1001) })).rejects.toThrow(/up to 1000 characters/);
    expect(fake.requests).toHaveLength(0);
  });

  it('waits out retry-after-ms on a 429 (really sleeping), then succeeds', async () => {
    fake.queue('images', openAIError(429, 'Rate limit reached for images per minute.', 'rate_limit_exceeded', 'requests', { 'retry-after-ms': '60' }));
    const instance = new OpenAIGenerator({ apiKey: KEY, baseURL: fake.baseURL, timing: { sleep: abortableSleep, maxRetries: 1 }, timeoutMs: 2_000 });
    const started = performance.now();
    await instance.generate(request);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(fake.count('images')).toBe(2);
  });

  it('honours Retry-After in seconds', async () => {
    fake.queue('images', openAIError(429, 'Rate limit reached.', 'rate_limit_exceeded', 'requests', { 'retry-after': '3' }));
    const { instance, waits } = generator();
    await instance.generate(request);
    expect(waits).toEqual([3_000]);
  });

  it('does not retry an exhausted quota (429 insufficient_quota)', async () => {
    fake.queue('images', openAIError(429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'));
    const { instance, waits } = generator();
    const error = await instance.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(RateLimitError);
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/billing/);
    expect(waits).toEqual([]);
    expect(fake.count('images')).toBe(1);
  });

  it('retries a 500 with back-off, then succeeds', async () => {
    fake.queue('images', openAIError(500, 'The server had an error while processing your request.', null, 'server_error'));
    const { instance, waits } = generator();
    await instance.generate(request);
    expect(waits).toEqual([10]);
    expect(fake.count('images')).toBe(2);
  });

  it('fails with TransientProviderError after a persistent 502', async () => {
    fake.queue('images', ...Array.from({ length: 3 }, () => json(502, { error: { message: 'Bad gateway', type: 'server_error', param: null, code: null } })));
    const { instance, waits } = generator();
    await expect(instance.generate(request)).rejects.toBeInstanceOf(TransientProviderError);
    expect(fake.count('images')).toBe(3);
    expect(waits).toEqual([10, 20]);
  });

  it('times out a request the server never answers', async () => {
    fake.queue('images', hang);
    const { instance } = generator({ timeoutMs: 150 });
    const started = performance.now();
    await expect(instance.generate(request)).rejects.toBeInstanceOf(ProviderTimeoutError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(fake.count('images')).toBe(1);
  });

  it('stops at once when the caller aborts', async () => {
    fake.queue('images', hang);
    const { instance } = generator();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 40);
    const started = performance.now();
    const error = await instance.generate({ ...request, signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('keeps at most maxConcurrency requests in flight', async () => {
    fake.queue('images', hang, hang, hang, hang);
    const { instance } = generator({ maxConcurrency: 2 });
    const controller = new AbortController();
    const calls = Array.from({ length: 4 }, () => instance.generate({ ...request, signal: controller.signal }).catch((e: unknown) => e));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(fake.count('images')).toBe(2);
    controller.abort();
    const outcomes = await Promise.all(calls);
    expect(outcomes.every((e) => (e as Error).name === 'AbortError')).toBe(true);
    expect(fake.count('images')).toBe(2);
  });

  it.each([
    ['content_policy_violation', 'Your request was rejected as a result of our safety system.'],
    ['moderation_blocked', 'Your request was rejected by the safety system.'],
  ])('turns a 400 %s into SafetyRefusalError', async (code, message) => {
    fake.queue('images', openAIError(400, message, code, code === 'moderation_blocked' ? 'image_generation_user_error' : 'invalid_request_error'));
    const { instance } = generator();
    const error = await instance.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusalError);
    expect((error as SafetyRefusalError).userMessage).toBe(OPENAI_SAFETY_MESSAGE);
    expect(fake.count('images')).toBe(1);
  });

  it('turns a 401 into MissingKeyError(rejected) without the key, even the masked echo', async () => {
    fake.queue('images', openAIError(401, 'Incorrect API key provided: sk-test-****1234. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_api_key'));
    const { instance } = generator();
    const error = await instance.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingKeyError);
    expect((error as Error).message).toBe('openai rejected the API key in OPENAI_API_KEY; check it and try again.');
    expect(JSON.stringify(error)).not.toContain('sk-');
    expect((error as Error).cause).toBeUndefined();
  });

  it('names the missing variable when no key is set', () => {
    expect(() => createGenerator('openai', {})).toThrow(/set OPENAI_API_KEY/);
    expect(() => new OpenAIGenerator({ apiKey: undefined })).toThrow(MissingKeyError);
  });

  it('stops at the cost budget before any request reaches the API', async () => {
    const guard = new SpendingGuard({ maxCostUsd: 0.025 });
    const guarded = createGenerator('openai', { OPENAI_API_KEY: KEY }, { baseURL: fake.baseURL, guard });
    await guarded.generate(request);
    await guarded.generate(request);
    const error = await guarded.generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).limit).toBe('cost');
    expect(fake.count('images')).toBe(2);
  });

  it('uses OPENAI_BASE_URL from the environment like the SDK does', async () => {
    const fromEnv = createGenerator('openai', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.baseURL });
    await fromEnv.generate(request);
    expect(fake.count('images')).toBe(1);
  });
});

describe('OpenAIVisionCaptioner', () => {
  it('gets n sampled captions from one chat completion with the image attached', async () => {
    const captioner = new OpenAIVisionCaptioner({ apiKey: KEY, baseURL: fake.baseURL });
    const captions = await captioner.caption(fake.png, 3, { seed: 5 });
    expect(captions).toEqual(FAKE_CAPTIONS);
    expect(fake.count('chat')).toBe(1);
    const body = fake.requests[0]?.body as { model: string; n: number; seed: number; messages: Array<{ content: Array<Record<string, unknown>> }> };
    expect(body).toMatchObject({ model: 'gpt-4o-mini', n: 3, seed: 5, temperature: 1 });
    const imagePart = body.messages[0]?.content.find((part) => part.type === 'image_url') as { image_url: { url: string; detail: string } };
    expect(imagePart.image_url.detail).toBe('low');
    expect(imagePart.image_url.url.startsWith('data:image/png;base64,')).toBe(true);
  });

  it('is created from the environment by the registry', async () => {
    const captioner = createCaptioner('openai-vision', { OPENAI_API_KEY: KEY }, { baseURL: fake.baseURL });
    expect(await captioner.caption(fake.png, 1)).toEqual([FAKE_CAPTIONS[0]]);
  });
});
