/**
 * pullModel against a fake Hugging Face Hub on 127.0.0.1 (same URL layout:
 * `/<owner>/<name>/resolve/main/<file>`), serving the tiny models. The library
 * downloads and caches the files itself; afterwards the providers run offline
 * from the cache folder. Nothing but 127.0.0.1 is reachable.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/engine/providers/errors.js';
import {
  clipModelFiles,
  pullModel,
  TransformersCaptioner,
  TransformersClipEmbedder,
} from '../../../src/engine/providers/transformers/index.js';
import { buildTinyCaptioner, TINY_CAPTIONER_MODEL } from '../../support/tinyClip/buildTinyCaptioner.js';
import { buildTinyClip, TINY_CLIP_DIMENSIONS, TINY_CLIP_MODEL } from '../../support/tinyClip/buildTinyClip.js';
import { guardNetwork, type NetworkGuard } from './networkGuard.js';

let workDir: string;
let hubDir: string;
let server: Server;
let remoteHost: string;
let network: NetworkGuard;
const served: string[] = [];

/** Serves `<hubDir>/<owner>/<name>/<file>` at `/<owner>/<name>/resolve/main/<file>`, 404 otherwise. */
function startFakeHub(root: string): Promise<Server> {
  const hub = createServer(async (request, response) => {
    const match = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(decodeURIComponent(new URL(request.url ?? '/', 'http://hub').pathname));
    const file = match ? path.join(root, match[1]!, match[2]!) : undefined;
    const info = file && !file.includes('..') ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !info?.isFile()) {
      response.writeHead(404).end('Entry not found');
      return;
    }
    served.push(`${match![1]}/${match![2]}`);
    response.writeHead(200, { 'content-length': info.size, 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => hub.listen(0, '127.0.0.1', () => resolve(hub)));
}

beforeAll(async () => {
  network = guardNetwork({ allowLoopback: true });
  workDir = await mkdtemp(path.join(os.tmpdir(), 'imageprompt-pull-'));
  hubDir = path.join(workDir, 'hub');
  await buildTinyClip(hubDir);
  await buildTinyCaptioner(hubDir);
  await mkdir(path.join(hubDir, 'someone', 'text-model'), { recursive: true });
  await writeFile(path.join(hubDir, 'someone', 'text-model', 'config.json'), JSON.stringify({ model_type: 'bert' }));
  server = await startFakeHub(hubDir);
  remoteHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  network.restore();
  await new Promise((resolve) => server.close(resolve));
  await rm(workDir, { recursive: true, force: true });
});

describe('pullModel from a Hub-shaped server', () => {
  it('downloads a CLIP model into <cacheDir>/<model>/ so the embedder then runs offline', async () => {
    const cacheDir = path.join(workDir, 'cache-clip');
    const pulled = await pullModel(TINY_CLIP_MODEL, cacheDir, { remoteHost });
    expect(pulled).toEqual({
      model: TINY_CLIP_MODEL,
      kind: 'clip',
      modelDir: path.join(cacheDir, 'imageprompt', 'tiny-clip'),
      files: clipModelFiles('fp32'),
    });
    for (const file of clipModelFiles('fp32')) expect(served).toContain(`${TINY_CLIP_MODEL}/${file}`);

    const offline = new TransformersClipEmbedder({ model: TINY_CLIP_MODEL, cacheDir, offline: true });
    expect(offline.dimensions).toBe(TINY_CLIP_DIMENSIONS);
    const fromHub = new TransformersClipEmbedder({ model: TINY_CLIP_MODEL, cacheDir: hubDir, offline: true });
    const red = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    expect(await offline.embedTexts(['a red circle'])).toEqual(await fromHub.embedTexts(['a red circle']));
    expect(await offline.embedImages([red])).toEqual(await fromHub.embedImages([red]));
  });

  it('detects a captioning model from its config and pulls it too', async () => {
    const cacheDir = path.join(workDir, 'cache-caption');
    const pulled = await pullModel(TINY_CAPTIONER_MODEL, cacheDir, { remoteHost });
    expect(pulled.kind).toBe('captioner');
    const red = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const offline = new TransformersCaptioner({ model: TINY_CAPTIONER_MODEL, cacheDir, offline: true });
    expect(await offline.caption(red, 1)).toEqual(['a red square']);
  });

  it('refuses a model that is neither CLIP nor a captioner, and reports one the Hub does not have', async () => {
    const cacheDir = path.join(workDir, 'cache-other');
    await expect(pullModel('someone/text-model', cacheDir, { remoteHost })).rejects.toThrow(/"bert" model; only CLIP/);
    const missing = pullModel('someone/absent-model', cacheDir, { remoteHost });
    await expect(missing).rejects.toBeInstanceOf(ProviderError);
    await expect(missing).rejects.toThrow(/someone\/absent-model/);
  });

  it('reached nothing but the local fake Hub', () => {
    expect(network.attempts.length).toBeGreaterThan(0);
    expect(network.refused).toEqual([]);
  });
});
