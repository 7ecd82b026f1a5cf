import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../support/cli.js';

const SAMPLE = path.join(PROJECT_ROOT, 'samples/red-sphere.png');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'imageprompt-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const RED = ['red', 'crimson', 'scarlet'];
const SPHERE = ['sphere', 'ball', 'orb'];

describe('imageprompt optimize, end to end on the bundled red sphere', () => {
  it('learns a red-sphere prompt, compares it with the baselines and writes the report', async () => {
    const out = path.join(dir, 'red-sphere');
    const run = await runCli(['optimize', SAMPLE, '--out', out, '--seed', '3', '--cache-dir', path.join(dir, 'cache')]);
    expect(run.stderr).not.toMatch(/unexpected/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/offline shapes world/i);
    expect(run.stdout).toMatch(/Prompt space: \[.+\]\nProbabilities: \[[0-9. ]+\]/);
    const learned = /Learned prompt: "([^"]+)"/.exec(run.stdout)?.[1] ?? '';
    const words = learned.split(' ');
    expect(words.some((w) => RED.includes(w))).toBe(true);
    expect(words.some((w) => SPHERE.includes(w))).toBe(true);
    for (const method of ['learned', 'greedy', 'caption', 'random', 'exhaustive']) expect(run.stdout).toContain(method);

    expect((await readdir(out)).sort()).toEqual(['report.html', 'report.png', 'result.json']);
    const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8'));
    expect(result.learned.prompt).toBe(learned);
    expect(result.learned.mean).toBeGreaterThan(0.8);
    expect(result.promptSpace.words).toHaveLength(4);
    const png = await sharp(path.join(out, 'report.png')).metadata();
    expect(png.format).toBe('png');
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain(learned);
  });

  it('runs the paper preset and prints machine-readable JSON with --json', async () => {
    const out = path.join(dir, 'paper');
    const run = await runCli(['optimize', SAMPLE, '--preset', 'paper', '--iterations', '2', '--episodes', '4', '--baselines', 'greedy', '--json', '--out', out]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.preset).toBe('paper');
    // Paper preset: 2 iterations × 4 episodes × T=2 images, plus the final greedy prefix image; no cache.
    expect(result.training.generatorCalls).toBe(2 * 4 * 2 + 1);
    expect(result.comparison.map((r: { method: string }) => r.method)).toHaveLength(2);
  });
});

describe('imageprompt optimize, bad input', () => {
  async function expectRefusal(args: string[], pattern: RegExp, exitCode = 1) {
    const out = path.join(dir, `refused-${Math.random().toString(36).slice(2)}`);
    const run = await runCli(['optimize', ...args, '--out', out]);
    expect(run.code).toBe(exitCode);
    const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^imageprompt: /);
    expect(lines[0]).toMatch(pattern);
    expect(existsSync(out)).toBe(false);
  }

  it('refuses a missing file', async () => {
    await expectRefusal([path.join(dir, 'nope.png')], /does not exist/);
  });

  it('refuses a file that is not an image', async () => {
    const file = path.join(dir, 'notes.txt');
    await writeFile(file, 'a red sphere, honest\n');
    await expectRefusal([file], /not an image.*use a PNG/);
  });

  it('refuses a truncated image', async () => {
    const bytes = await readFile(SAMPLE);
    const file = path.join(dir, 'truncated.png');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRefusal([file], /corrupt|truncated|damaged/i);
  });

  it('refuses an absurdly large image before decoding it', async () => {
    const file = path.join(dir, 'huge.png');
    await sharp({ create: { width: 12_000, height: 12_000, channels: 3, background: '#ff0000' } }).png({ compressionLevel: 9 }).toFile(file);
    await expectRefusal([file], /pixels|too large/i);
  });

  it('downscales a large image instead of refusing it', async () => {
    const file = path.join(dir, 'large.png');
    await sharp(SAMPLE).resize(2048, 2048).toFile(file);
    const run = await runCli(['optimize', file, '--iterations', '1', '--episodes', '2', '--baselines', 'none', '--out', path.join(dir, 'large')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('downscaled to 1024×1024');
  });

  it('refuses an unknown flag', async () => {
    await expectRefusal([SAMPLE, '--itterations', '5'], /Unknown option '--itterations'.*--help/, 2);
  });

  it('refuses out-of-range and malformed values', async () => {
    await expectRefusal([SAMPLE, '--length', '9'], /promptLength \(9\) cannot exceed words \(4\)/, 2);
    await expectRefusal([SAMPLE, '--lr=-1'], /learningRate must be between/, 2);
    await expectRefusal([SAMPLE, '--lr', '-1'], /use '--lr=-XYZ'/, 2);
    await expectRefusal([SAMPLE, '--episodes', 'many'], /--episodes takes a whole number/, 2);
    await expectRefusal([SAMPLE, '--preset', 'fast'], /--preset must be one of paper, efficient/, 2);
  });

  it('refuses a real generator without its key, naming the variable', async () => {
    const run = await runCli(['optimize', SAMPLE, '--generator', 'replicate', '--out', path.join(dir, 'nokey')], { env: { REPLICATE_API_TOKEN: '' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/REPLICATE_API_TOKEN/);
    expect(existsSync(path.join(dir, 'nokey'))).toBe(false);
  });
});
