import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputImageError, type InputImageProblem, loadTargetImage } from '../../../src/engine/images/index.js';

let dir: string;

/** Deterministic noise compresses badly, so cutting the file in half really cuts pixel data. */
function noisePixels(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  let x = 12345;
  for (let i = 0; i < pixels.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    pixels[i] = x >>> 24;
  }
  return pixels;
}

function noise(width: number, height: number): Sharp {
  return sharp(noisePixels(width, height), { raw: { width, height, channels: 3 } });
}

function solid(width: number, height: number, background: string | { r: number; g: number; b: number; alpha: number }): Sharp {
  return sharp({ create: { width, height, channels: 4, background } });
}

async function fixture(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function pixelAt(png: Uint8Array, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [...data.subarray(offset, offset + info.channels)];
}

/** Every refusal is an InputImageError of the right kind, on one line, that says what to do. */
async function expectRefusal(promise: Promise<unknown>, problem: InputImageProblem, ...patterns: RegExp[]): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputImageError);
  const refusal = error as InputImageError;
  expect(refusal.problem).toBe(problem);
  expect(refusal.message).not.toMatch(/[\r\n]/);
  expect(refusal.message).toMatch(/; (use|give|check|re-export|resize|convert|crop)\b/);
  for (const pattern of patterns) expect(refusal.message).toMatch(pattern);
  return refusal.message;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imageprompt-images-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadTargetImage accepts real images', () => {
  it('normalises a PNG with transparency: alpha flattened onto white, hash of the bytes', async () => {
    // Left half opaque red, right half fully transparent black.
    const rgba = Buffer.alloc(64 * 48 * 4);
    for (let i = 0; i < 64 * 48; i++) if (i % 64 < 32) rgba.set([255, 0, 0, 255], i * 4);
    const halfRed = await sharp(rgba, { raw: { width: 64, height: 48, channels: 4 } }).png().toBuffer();
    const image = await loadTargetImage(await fixture('alpha.png', halfRed));
    expect(image).toMatchObject({ width: 64, height: 48, originalFormat: 'png', originalWidth: 64, originalHeight: 48, downscaled: false });
    const metadata = await sharp(image.bytes).metadata();
    expect(metadata).toMatchObject({ format: 'png', channels: 3, hasAlpha: false, depth: 'uchar' });
    expect(await pixelAt(image.bytes, 5, 5)).toEqual([255, 0, 0]);
    expect(await pixelAt(image.bytes, 60, 5)).toEqual([255, 255, 255]);
    expect(image.sha256).toBe(createHash('sha256').update(image.bytes).digest('hex'));
  });

  it('reads JPEG and WebP files, and in-memory bytes', async () => {
    const jpeg = await loadTargetImage(await fixture('photo.jpg', await noise(120, 80).jpeg().toBuffer()));
    expect(jpeg).toMatchObject({ originalFormat: 'jpeg', width: 120, height: 80 });
    const webp = await loadTargetImage(await fixture('photo.webp', await noise(90, 70).webp().toBuffer()));
    expect(webp).toMatchObject({ originalFormat: 'webp', width: 90, height: 70 });
    const fromBytes = await loadTargetImage(await noise(40, 40).png().toBuffer());
    expect(fromBytes).toMatchObject({ originalFormat: 'png', width: 40, height: 40 });
    expect((await sharp(jpeg.bytes).metadata()).format).toBe('png');
  });

  it('takes the first frame of an animated GIF', async () => {
    const red = await solid(40, 30, '#ff0000').png().toBuffer();
    const blue = await solid(40, 30, '#0000ff').png().toBuffer();
    const gif = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
    const image = await loadTargetImage(await fixture('anim.gif', gif));
    expect(image).toMatchObject({ originalFormat: 'gif', width: 40, height: 30 });
    const [r, g, b] = await pixelAt(image.bytes, 20, 15);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
  });

  it('applies EXIF orientation, so a rotated phone photo stands the right way up', async () => {
    const sideways = await solid(40, 20, '#00ff00').jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await loadTargetImage(sideways);
    expect(image).toMatchObject({ width: 20, height: 40, originalWidth: 20, originalHeight: 40 });
  });

  it('downscales a 3000×2000 image to 1024 on the longest side', async () => {
    const big = await solid(3000, 2000, '#3366cc').png().toBuffer();
    const image = await loadTargetImage(await fixture('big.png', big));
    expect(image).toMatchObject({ width: 1024, height: 683, originalWidth: 3000, originalHeight: 2000, downscaled: true });
    const metadata = await sharp(image.bytes).metadata();
    expect([metadata.width, metadata.height]).toEqual([1024, 683]);
  });

  it('honours a custom maxSide', async () => {
    const image = await loadTargetImage(await noise(300, 100).png().toBuffer(), { maxSide: 150 });
    expect(image).toMatchObject({ width: 150, height: 50, downscaled: true });
  });
});

describe('loadTargetImage refuses, with one actionable line', () => {
  it('a missing path, naming it', async () => {
    const missing = join(dir, 'nope', 'cat.png');
    const message = await expectRefusal(loadTargetImage(missing), 'missing', /does not exist/, /check the path/);
    expect(message).toContain(missing);
  });

  it('a directory', async () => {
    const folder = join(dir, 'folder');
    await mkdir(folder);
    const message = await expectRefusal(loadTargetImage(folder), 'directory', /is a directory/);
    expect(message).toContain(folder);
  });

  it('a text file, naming what it is and the accepted formats', async () => {
    const path = await fixture('notes.txt', 'a red sphere on a white table\nsecond line\n');
    const message = await expectRefusal(loadTargetImage(path), 'not-an-image', /is not an image \(detected: text\)/, /PNG, JPEG, WebP, GIF/);
    expect(message.startsWith(path)).toBe(true);
  });

  it('a PDF and an HTML page, saying what they are', async () => {
    await expectRefusal(loadTargetImage(await fixture('doc.pdf', '%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n')), 'not-an-image', /detected: PDF/);
    await expectRefusal(loadTargetImage(Buffer.from('<!DOCTYPE html><html><body>hi</body></html>'), {}, { name: 'page.html' }), 'not-an-image', /^page\.html is not an image \(detected: HTML\)/);
  });

  it('an SVG (decodable, but not accepted)', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>';
    await expectRefusal(loadTargetImage(await fixture('logo.svg', svg)), 'unsupported-format', /is a SVG image, which is not accepted/, /convert it/);
  });

  it('an empty file', async () => {
    await expectRefusal(loadTargetImage(await fixture('empty.png', new Uint8Array())), 'empty', /is empty/);
  });

  it('a PNG cut in half', async () => {
    const png = await noise(200, 200).png().toBuffer();
    const path = await fixture('half.png', png.subarray(0, png.length >> 1));
    await expectRefusal(loadTargetImage(path), 'corrupt', /damaged or truncated PNG/, /re-export or re-download/);
  });

  it('a JPEG cut in half', async () => {
    const jpeg = await noise(200, 200).jpeg().toBuffer();
    await expectRefusal(loadTargetImage(jpeg.subarray(0, jpeg.length >> 1)), 'corrupt', /damaged or truncated JPEG/);
  });

  it('a PNG whose header survives but whose pixel data is overwritten', async () => {
    const png = Buffer.from(await noise(200, 200).png().toBuffer());
    for (let i = 200; i < png.length - 200; i += 97) png[i] = (png[i] as number) ^ 0xff;
    await expectRefusal(loadTargetImage(await fixture('corrupt.png', png)), 'corrupt', /damaged or truncated PNG/);
  });

  it('a PNG whose very header is cut', async () => {
    const png = await noise(50, 50).png().toBuffer();
    await expectRefusal(loadTargetImage(png.subarray(0, 20)), 'corrupt', /damaged PNG image/);
  });

  it('a 12000×12000 PNG, from the header, before decoding it', async () => {
    const huge = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#ffffff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(huge.length).toBeLessThan(2_000_000);
    const started = performance.now();
    await expectRefusal(loadTargetImage(await fixture('huge.png', huge)), 'too-large', /12000×12000 pixels \(144 megapixels\), over the limit of 100 megapixels/, /resize it/);
    // Decoding 144 MP would take seconds and ~430 MB; the header check takes milliseconds.
    expect(performance.now() - started).toBeLessThan(500);
  }, 20_000);

  it('a file over maxBytes, without reading it', async () => {
    const path = await fixture('heavy.png', await noise(100, 100).png().toBuffer());
    await expectRefusal(loadTargetImage(path, { maxBytes: 10_000 }), 'too-large', /is \d+\.\d KB, over the limit of 9\.8 KB/, /use a smaller file/);
  });

  it('an image smaller than 16 pixels a side', async () => {
    await expectRefusal(loadTargetImage(await fixture('tiny.png', await solid(8, 40, '#ff0000').png().toBuffer())), 'too-small', /only 8×40 pixels/, /at least 16 pixels/);
  });

  it('a banner too narrow to survive downscaling', async () => {
    await expectRefusal(loadTargetImage(await solid(4000, 40, '#ff0000').png().toBuffer()), 'too-small', /crop it closer to square/);
  });

  it('a path with a newline still gives a one-line message', async () => {
    await expectRefusal(loadTargetImage(join(dir, 'two\nlines.png')), 'missing', /two lines\.png does not exist/);
  });
});
