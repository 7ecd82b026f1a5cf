/**
 * Renders the sample target images shipped in `samples/` with the offline
 * shapes world, at fixed seeds so they never change between runs:
 *   npx tsx scripts/make-samples.ts
 * `red-sphere.png` is the paper's target: a 3-D rendered red sphere on white.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShapesGenerator } from '../src/engine/providers/shapes/index.js';

const SAMPLES: readonly { file: string; prompt: string; seed: number }[] = [
  { file: 'red-sphere.png', prompt: 'a 3d rendering of a red sphere on a white background', seed: 20221 },
  { file: 'blue-cube.png', prompt: 'a blue cube on a white background', seed: 20226 },
  { file: 'green-pyramid-on-yellow.png', prompt: 'a green pyramid on a yellow background', seed: 20227 },
  { file: 'two-yellow-stars.png', prompt: 'two yellow stars', seed: 20224 },
  { file: 'pink-heart.png', prompt: 'a shiny pink heart', seed: 20226 },
];
const SIZE = 512;

async function main(): Promise<void> {
  const folder = join(dirname(fileURLToPath(import.meta.url)), '..', 'samples');
  await mkdir(folder, { recursive: true });
  const generator = new ShapesGenerator();
  for (const sample of SAMPLES) {
    const image = await generator.generate({ prompt: sample.prompt, seed: sample.seed, width: SIZE, height: SIZE });
    await writeFile(join(folder, sample.file), image.bytes);
    console.log(`samples/${sample.file}  "${sample.prompt}" (seed ${sample.seed}, ${image.bytes.byteLength} bytes)`);
  }
}

await main();
