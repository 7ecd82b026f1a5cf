import { describe, expect, it } from 'vitest';
import {
  COLOUR_FAMILIES,
  COLOUR_WORDS,
  knownShapesWords,
  parsePrompt,
  SHAPE_CLASSES,
  SHAPE_WORDS,
  SHAPES_VOCABULARY,
  ShapesGenerator,
} from '../../../src/engine/providers/shapes/index.js';

describe('shapes vocabulary', () => {
  it('lists colours, shapes and six modifier families', () => {
    expect(COLOUR_FAMILIES.length).toBeGreaterThanOrEqual(10);
    expect(SHAPE_CLASSES.length).toBeGreaterThanOrEqual(8);
    for (const family of ['sizes', 'materials', 'styles', 'backgrounds', 'counts', 'positions', 'lighting'] as const) {
      expect(SHAPES_VOCABULARY[family].length, family).toBeGreaterThan(2);
    }
    const words = knownShapesWords();
    expect(words).toEqual([...words].sort());
    for (const word of ['red', 'crimson', 'grey', 'sphere', 'ball', 'orb', 'donut', 'shiny', 'matte', 'flat', '3d', 'two', 'left']) {
      expect(words).toContain(word);
    }
  });

  it('parses every colour word to its family and every shape word to its class', () => {
    for (const [word, colour] of COLOUR_WORDS) {
      expect(parsePrompt(`${word} cube`).objects[0]?.colour?.family, word).toBe(colour.family);
    }
    for (const [word, shape] of SHAPE_WORDS) {
      expect(parsePrompt(`red ${word}`).objects[0]?.shape, word).toBe(shape.shape);
    }
  });

  it('draws every shape word in every style without failing', async () => {
    const generator = new ShapesGenerator();
    for (const word of SHAPE_WORDS.keys()) {
      for (const style of ['', 'flat', 'outline', 'shiny', 'metallic', 'glowing']) {
        const image = await generator.generate({ prompt: `${style} ${word}`, seed: 3, width: 48, height: 48 });
        expect(image.bytes.byteLength).toBeGreaterThan(100);
      }
    }
  });
});
