/**
 * The same CLI and engine with real-provider code paths: OpenAI images and
 * captions through the SDK (pointed at a fake OpenAI on 127.0.0.1) and CLIP
 * through transformers.js (a tiny CLIP-format ONNX model, offline).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, PROJECT_ROOT } from '../support/cli.js';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fakeOpenAI.js';
import { TINY_CLIP_MODEL, buildTinyClip } from '../support/tinyClip/buildTinyClip.js';

const KEY = 'sk-test-0123456789abcdefghijklmnop';
let openai: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  openai = await startFakeOpenAI();
  dir = await mkdtemp(path.join(os.tmpdir(), 'imageprompt-real-'));
  await buildTinyClip(path.join(dir, 'models'));
});

afterAll(async () => {
  await openai.close();
  await rm(dir, { recursive: true, force: true });
});

describe('imageprompt optimize --generator openai', () => {
  it('runs the unchanged engine on OpenAI images, OpenAI captions and a local CLIP, and charges for it', async () => {
    const out = path.join(dir, 'out');
    const run = await runCli(
      ['optimize', path.join(PROJECT_ROOT, 'samples/red-sphere.png'), '--generator', 'openai', '--clip-model', TINY_CLIP_MODEL, '--iterations', '2', '--episodes', '4', '--baselines', 'greedy', '--out', out, '--json'],
      { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: openai.baseURL, IMAGEPROMPT_MODELS_DIR: path.join(dir, 'models'), IMAGEPROMPT_OFFLINE: '1', IMAGEPROMPT_CACHE_DIR: path.join(dir, 'cache') } },
    );
    expect(run.stderr).not.toContain(KEY);
    expect(run.stdout).not.toContain(KEY);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.providers).toMatchObject({ generator: 'openai', offline: false, embedder: `clip:${TINY_CLIP_MODEL}`, captioner: expect.stringContaining('openai') });
    // Captions came from the vision model, so the prompt space holds its words.
    expect(result.promptSpace.captions.join(' ')).toMatch(/red/);
    expect(result.training.generatorCalls).toBeGreaterThan(0);
    expect(result.totalCostUsd).toBeGreaterThan(0);
    const images = openai.requests.filter((r) => r.path === '/v1/images/generations');
    expect(images.length).toBe(result.training.generatorCalls + 4 /* learned */ + 4 /* greedy */ - (result.comparison[1].prompt === result.learned.prompt ? 4 : 0));
    expect(images[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(images[0]?.body).toMatchObject({ model: 'gpt-image-1', n: 1 });
    expect(openai.requests.some((r) => r.path === '/v1/chat/completions')).toBe(true);
    expect(JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')).learned.prompt).toBe(result.learned.prompt);
  });

  it('names the missing local model file when offline', async () => {
    const run = await runCli(
      ['optimize', path.join(PROJECT_ROOT, 'samples/red-sphere.png'), '--generator', 'openai', '--out', path.join(dir, 'missing')],
      { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: openai.baseURL, IMAGEPROMPT_MODELS_DIR: path.join(dir, 'empty-models'), IMAGEPROMPT_OFFLINE: '1' } },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Xenova\/clip-vit-base-patch32 is not available offline: .* (is|are) missing .*imageprompt models pull/);
    expect(run.stderr).not.toContain(KEY);
  });
});
