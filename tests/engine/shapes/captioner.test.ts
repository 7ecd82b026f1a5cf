import { describe, expect, it } from 'vitest';
import { createShapesStack, SHAPE_WORDS, tokenizePrompt } from '../../../src/engine/providers/shapes/index.js';

const stack = createShapesStack();

async function target(prompt: string, seed = 321, size = 256): Promise<Uint8Array> {
  return (await stack.generator.generate({ prompt, seed, width: size, height: size })).bytes;
}

const SPHERE_WORDS = ['sphere', 'ball', 'orb', 'globe', 'circle'];
const FILLERS = ['a', 'an', 'the', 'of', 'on', 'with', 'background', 'picture', 'image', 'rendering', 'render'];

describe('ShapesCaptioner', () => {
  it('returns exactly n captions, deterministic per (image, seed), varied across seeds', async () => {
    const image = await target('red sphere');
    const first = await stack.captioner.caption(image, 5, { seed: 1 });
    const again = await stack.captioner.caption(image, 5, { seed: 1 });
    const other = await stack.captioner.caption(image, 5, { seed: 2 });
    expect(first).toHaveLength(5);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(await stack.captioner.caption(image, 0)).toEqual([]);
  });

  it('varies its captions within one call, with the filler words real captions have', async () => {
    const captions = await stack.captioner.caption(await target('red sphere'), 10, { seed: 5 });
    expect(new Set(captions).size).toBeGreaterThanOrEqual(7);
    const words = new Set(captions.flatMap((c) => tokenizePrompt(c)));
    expect(FILLERS.filter((w) => words.has(w)).length).toBeGreaterThanOrEqual(4);
    for (const caption of captions) expect(caption).not.toMatch(/\ba [aeiou]|\ban [^aeiou]|\s{2}/);
  });

  it('names the colour and shape of a red sphere in most captions, with synonyms and the odd confusion', async () => {
    const captions = (
      await Promise.all(
        [1, 2, 3, 4].map(async (seed) => stack.captioner.caption(await target('red sphere', 900 + seed), 10, { seed })),
      )
    ).flat();
    const words = captions.map((c) => tokenizePrompt(c));
    const right = words.filter((w) => w.includes('red') && w.some((x) => SPHERE_WORDS.includes(x)));
    expect(right.length / captions.length).toBeGreaterThanOrEqual(0.7);
    const sphereWordsUsed = new Set(words.flat().filter((x) => SPHERE_WORDS.includes(x)));
    expect(sphereWordsUsed.size).toBeGreaterThanOrEqual(2);
    // Every caption names some shape the shapes world knows, so its words can seed a prompt space.
    for (const w of words) expect(w.some((x) => SHAPE_WORDS.has(x) || SHAPE_WORDS.has(x.replace(/e?s$/, '')))).toBe(true);
  });

  it('looks at the image: colours, shapes, backgrounds and counts follow the picture', async () => {
    const expectations: [string, string[], string[]][] = [
      ['blue cube', ['blue'], ['cube', 'box', 'block']],
      ['green pyramid on a yellow background', ['green', 'yellow'], ['pyramid', 'triangle']],
      ['pink heart', ['pink'], ['heart']],
      ['two yellow stars', ['yellow', 'two'], ['stars']],
    ];
    for (const [prompt, colourWords, shapeWords] of expectations) {
      const captions = await stack.captioner.caption(await target(prompt), 8, { seed: 3 });
      const tokens = captions.map((c) => tokenizePrompt(c));
      const shapeHits = tokens.filter((t) => t.some((x) => shapeWords.includes(x))).length;
      expect(shapeHits, `${prompt}: ${captions.join(' | ')}`).toBeGreaterThanOrEqual(6);
      for (const colour of colourWords) {
        expect(tokens.flat(), `${prompt}: ${captions.join(' | ')}`).toContain(colour);
      }
    }
  });

  it('writes captions whose words redraw a similar picture', async () => {
    const image = await target('orange cylinder');
    const [caption] = await stack.captioner.caption(image, 1, { seed: 8 });
    const [original, redrawn] = await stack.embedder.embedImages([image, await target(caption!, 77)]);
    const [unrelated] = await stack.embedder.embedImages([await target('blue star', 77)]);
    let similarity = 0;
    let baseline = 0;
    for (let i = 0; i < 512; i++) {
      similarity += original![i]! * redrawn![i]!;
      baseline += original![i]! * unrelated![i]!;
    }
    expect(similarity).toBeGreaterThan(baseline + 0.2);
  });
});

describe('createShapesStack', () => {
  it('says plainly that it is the offline shapes world', () => {
    expect(stack.offline).toBe(true);
    expect(stack.description).toMatch(/offline/);
    expect(stack.description).toMatch(/shapes world/);
    expect(stack.description).toMatch(/no real image model/);
    expect(stack.embedder.dimensions).toBe(512);
  });
});
