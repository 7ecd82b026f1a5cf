/**
 * The shapes world's BLIP: looks at an image and writes short, varied captions
 * in BLIP's style ("a red ball on a white background", "a 3d rendering of a
 * red sphere"). Like a CLIP interrogator it classifies zero-shot — colour,
 * shape and background by comparing the image's descriptor blocks with the
 * text embeddings of candidate words — then samples among the top candidates
 * with a temperature, so it sometimes names a plausible confusion (egg for
 * sphere, orange for red) and varies its synonyms. Deterministic per (image, seed).
 */
import { Rng } from '../../math/random.js';
import type { CaptionOptions, Captioner } from '../types.js';
import { analyseImage, type BlockName, blockCosine, type ImageSummary } from './descriptor.js';
import { ShapesEmbedder } from './embedder.js';
import { encodeBlocks } from './encoder.js';
import { decodeImage } from './pixels.js';
import { COLOUR_FAMILIES, type ColourFamily, SHAPE_CLASSES, type ShapeClass } from './vocabulary.js';

export const SHAPES_CAPTIONER_ID = 'shapes-captioner@1';

const SHAPE_BLOCKS: readonly BlockName[] = ['silhouette', 'widths', 'geometry', 'edges'];
/** Softmax temperatures over cosine scores: low enough to be right most of the time, not always. */
const COLOUR_TEMPERATURE = 0.05;
const SHAPE_TEMPERATURE = 0.05;
const BACKGROUND_TEMPERATURE = 0.04;
const TOP_CANDIDATES = 3;

/**
 * Confusions a captioner's language prior makes plausible: a lookalike of the
 * best candidate is lifted to within this margin of it (a sphere is sometimes
 * "an egg", red sometimes "orange"), never above it.
 */
const SHAPE_LOOKALIKES: Partial<Record<ShapeClass, readonly ShapeClass[]>> = {
  sphere: ['egg'],
  egg: ['sphere'],
  pyramid: ['cone'],
  cone: ['pyramid'],
};
const COLOUR_LOOKALIKES: Partial<Record<ColourFamily, readonly ColourFamily[]>> = {
  red: ['orange', 'pink'],
  orange: ['red', 'yellow', 'brown'],
  yellow: ['orange'],
  green: ['cyan'],
  blue: ['cyan', 'purple'],
  purple: ['blue', 'pink'],
  pink: ['purple', 'red'],
  brown: ['orange'],
  gray: ['white', 'black'],
  white: ['gray'],
  black: ['gray'],
  cyan: ['blue', 'green'],
};
const SHAPE_LOOKALIKE_MARGIN = 0.11;
const COLOUR_LOOKALIKE_MARGIN = 0.2;

function liftLookalikes<T extends string>(
  scored: Scored<T>[],
  lookalikes: Partial<Record<T, readonly T[]>>,
  margin: number,
): Scored<T>[] {
  const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
  const similar = new Set<T>(lookalikes[best.value] ?? []);
  return scored.map((c) => (similar.has(c.value) ? { ...c, score: Math.max(c.score, best.score - margin) } : c));
}

type Look = '3d' | 'flat' | 'outline';

/** What a captioner would say for each shape class, with how often. */
const SHAPE_NAMES: Record<ShapeClass, Record<Look | 'any', readonly [string, number][]>> = {
  sphere: {
    any: [
      ['ball', 0.42],
      ['sphere', 0.36],
      ['orb', 0.08],
      ['circle', 0.08],
      ['globe', 0.06],
    ],
    '3d': [],
    flat: [
      ['circle', 0.7],
      ['dot', 0.15],
      ['ball', 0.15],
    ],
    outline: [['circle', 1]],
  },
  cube: {
    any: [
      ['cube', 0.55],
      ['box', 0.3],
      ['block', 0.15],
    ],
    '3d': [],
    flat: [
      ['square', 0.5],
      ['cube', 0.5],
    ],
    outline: [
      ['cube', 0.6],
      ['box', 0.4],
    ],
  },
  pyramid: {
    any: [
      ['pyramid', 0.8],
      ['triangle', 0.2],
    ],
    '3d': [],
    flat: [['triangle', 1]],
    outline: [
      ['triangle', 0.5],
      ['pyramid', 0.5],
    ],
  },
  cone: { any: [['cone', 1]], '3d': [], flat: [], outline: [] },
  cylinder: {
    any: [
      ['cylinder', 0.6],
      ['tube', 0.2],
      ['can', 0.2],
    ],
    '3d': [],
    flat: [],
    outline: [],
  },
  torus: {
    any: [
      ['donut', 0.45],
      ['ring', 0.35],
      ['torus', 0.2],
    ],
    '3d': [],
    flat: [['ring', 1]],
    outline: [['ring', 1]],
  },
  star: { any: [['star', 1]], '3d': [], flat: [], outline: [] },
  heart: { any: [['heart', 1]], '3d': [], flat: [], outline: [] },
  egg: {
    any: [
      ['egg', 0.7],
      ['oval', 0.3],
    ],
    '3d': [],
    flat: [['oval', 1]],
    outline: [['oval', 1]],
  },
};

const COUNT_NAMES = ['', 'one', 'two', 'three', 'four', 'five', 'six'] as const;

/** Candidate descriptions per class, as an interrogator lists them: a class scores its best description. */
const SHAPE_DESCRIPTIONS: Record<ShapeClass, readonly string[]> = {
  sphere: ['sphere', 'circle'],
  cube: ['cube', 'square'],
  pyramid: ['pyramid', 'triangle'],
  cone: ['cone'],
  cylinder: ['cylinder'],
  torus: ['torus', 'ring'],
  star: ['star'],
  heart: ['heart'],
  egg: ['egg', 'ellipse'],
};

interface Scored<T> {
  value: T;
  score: number;
}

interface Reading {
  colours: Scored<ColourFamily>[];
  shapes: Scored<ShapeClass>[];
  backgrounds: Scored<ColourFamily>[];
  summary: ImageSummary;
  look: Look;
  shiny: boolean;
}

/** FNV-1a over the bytes: the captioner's randomness depends on the image as well as the seed. */
function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function sampleTop<T>(rng: Rng, scored: readonly Scored<T>[], temperature: number): T {
  const top = [...scored].sort((a, b) => b.score - a.score).slice(0, TOP_CANDIDATES);
  const best = top[0]?.score ?? 0;
  const index = rng.weightedIndex(top.map((c) => Math.exp((c.score - best) / temperature)));
  return (top[index] as Scored<T>).value;
}

function sampleName(rng: Rng, names: readonly [string, number][]): string {
  return (names[rng.weightedIndex(names.map(([, w]) => w))] as [string, number])[0];
}

function plural(word: string): string {
  if (word === 'torus') return 'tori';
  if (/(x|s|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** "a" before consonant sounds, "an" before vowels ("an orange egg", "a 3d rendering"). */
function fixArticles(text: string): string {
  const words = text.split(' ').filter((w) => w.length > 0);
  for (let i = 0; i < words.length - 1; i++) {
    if (words[i] === 'a' || words[i] === 'an') words[i] = /^[aeiou]/.test(words[i + 1] as string) ? 'an' : 'a';
  }
  return words.join(' ');
}

export class ShapesCaptioner implements Captioner {
  readonly id = SHAPES_CAPTIONER_ID;

  constructor(private readonly embedder: ShapesEmbedder = new ShapesEmbedder()) {}

  async caption(image: Uint8Array, n: number, options: CaptionOptions = {}): Promise<string[]> {
    options.signal?.throwIfAborted();
    const wanted = Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
    if (wanted === 0) return [];
    const reading = this.read(image);
    const seed = Number.isFinite(options.seed) ? Math.floor(options.seed as number) : 0;
    const rng = new Rng((hashBytes(image) ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
    const captions: string[] = [];
    for (let i = 0; i < wanted; i++) {
      options.signal?.throwIfAborted();
      let caption = this.compose(reading, rng);
      // A few redraws to avoid repeating itself, as beam/nucleus sampling rarely does.
      for (let attempt = 0; attempt < 6 && captions.includes(caption); attempt++) caption = this.compose(reading, rng);
      captions.push(caption);
    }
    return captions;
  }

  /** Zero-shot reading of the image: candidate scores per aspect, plus pixel statistics. */
  read(image: Uint8Array): Reading {
    const analysis = analyseImage(decodeImage(image, SHAPES_CAPTIONER_ID));
    const embedding = encodeBlocks(analysis.blocks);
    const score = <T extends string>(values: readonly T[], text: (v: T) => string, blocks: readonly BlockName[]) =>
      values.map((value) => ({ value, score: blockCosine(embedding, this.embedder.embedText(text(value)), blocks) }));
    const summary = analysis.summary;
    const look: Look =
      summary.holeFraction > 0.45 && summary.fillRatio < 0.4
        ? 'outline'
        : summary.luminanceSpread < 0.035 || summary.flatFraction > 0.6
          ? 'flat'
          : '3d';
    return {
      colours: liftLookalikes(score(COLOUR_FAMILIES, (c) => c, ['objectColour']), COLOUR_LOOKALIKES, COLOUR_LOOKALIKE_MARGIN),
      shapes: liftLookalikes(
        SHAPE_CLASSES.map((value) => ({
          value,
          score: Math.max(
            ...SHAPE_DESCRIPTIONS[value].map((text) => blockCosine(embedding, this.embedder.embedText(text), SHAPE_BLOCKS)),
          ),
        })),
        SHAPE_LOOKALIKES,
        SHAPE_LOOKALIKE_MARGIN,
      ),
      backgrounds: score(COLOUR_FAMILIES, (c) => `${c} background`, ['backgroundColour']),
      summary,
      look,
      shiny: summary.highlightFraction > 0.015 && summary.highlightFraction < 0.5,
    };
  }

  private compose(reading: Reading, rng: Rng): string {
    const colour = sampleTop(rng, reading.colours, COLOUR_TEMPERATURE);
    const shapeClass = sampleTop(rng, reading.shapes, SHAPE_TEMPERATURE);
    const background = sampleTop(rng, reading.backgrounds, BACKGROUND_TEMPERATURE);
    const names = SHAPE_NAMES[shapeClass];
    const lookNames = names[reading.look];
    const shape = sampleName(rng, lookNames.length > 0 && rng.next() < 0.8 ? lookNames : names.any);
    const colourWord = colour === 'gray' && rng.next() < 0.3 ? 'grey' : colour;
    const bg = background === 'gray' && rng.next() < 0.3 ? 'grey' : background;
    const material = reading.shiny ? rng.pick(['shiny', 'glossy', 'shiny']) : rng.pick(['matte', 'plain', '']);

    // Nothing stands out from the background: say so, as BLIP does for a blank picture.
    if (reading.summary.objectCount === 0) {
      return fixArticles(
        rng.pick([`a ${bg} background`, `a plain ${bg} wall`, `an empty ${bg} surface`, `a blank ${bg} image`]),
      );
    }
    let count = reading.summary.objectCount;
    // Captioners miscount groups now and then.
    if (count > 2 && rng.next() < 0.25) count += rng.next() < 0.5 ? -1 : 1;
    if (count > 1) {
      const many = count > 6 ? 'many' : COUNT_NAMES[count];
      const shapes = plural(shape);
      const templates = [
        `${many} ${colourWord} ${shapes}`,
        `${many} ${colourWord} ${shapes} on a ${bg} background`,
        `a group of ${colourWord} ${shapes}`,
        `a picture of ${many} ${colourWord} ${shapes}`,
        `${many} ${colourWord} ${shapes} sitting on a ${bg} surface`,
        count === 2 ? `a pair of ${colourWord} ${shapes}` : `several ${colourWord} ${shapes} on a ${bg} background`,
        `a 3d rendering of ${many} ${colourWord} ${shapes}`,
      ];
      return fixArticles(rng.pick(templates));
    }

    const byLook: Record<Look, readonly [string, number][]> = {
      '3d': [
        [`a 3d rendering of a ${colourWord} ${shape}`, 3],
        [`a 3d render of a ${colourWord} ${shape} on a ${bg} background`, 1],
        [`a ${material} ${colourWord} ${shape}`, 1],
        [`a picture of a ${material} ${colourWord} ${shape}`, 1.5],
      ],
      flat: [
        [`a ${colourWord} ${shape} icon`, 1.5],
        [`a flat ${colourWord} ${shape} on a ${bg} background`, 1.5],
        [`a simple ${colourWord} ${shape}`, 1],
      ],
      outline: [
        [`a drawing of a ${colourWord} ${shape}`, 2],
        [`a line drawing of a ${shape}`, 1],
        [`a ${colourWord} outline of a ${shape} on a ${bg} background`, 1],
      ],
    };
    const common: [string, number][] = [
      [`a ${colourWord} ${shape}`, 2],
      [`a ${colourWord} ${shape} on a ${bg} background`, 3],
      [`a ${colourWord} ${shape} with a ${bg} background`, 1],
      [`an image of a ${colourWord} ${shape}`, 1],
      [`a close up of a ${colourWord} ${shape} on a ${bg} background`, 1],
      [`the ${colourWord} ${shape} is on a ${bg} surface`, 0.5],
      [`a ${shape} on a ${bg} background`, 0.4],
    ];
    const templates = [...common, ...byLook[reading.look]];
    return fixArticles(sampleName(rng, templates));
  }
}
