/**
 * Prompt text → what to draw, before any seed is involved. Adjectives bind to
 * the next shape noun ("red sphere and blue cube"); leftovers attach to the
 * objects that lack them; a prompt with no shape still yields one object whose
 * shape the seed will choose, as a real model always draws something.
 */
import type { Rgb } from './colour.js';
import { mixRgb, rgbToHsv, hsvToRgb, scaleRgb } from './colour.js';
import {
  BACKGROUND_WORDS,
  COLOUR_WORDS,
  COUNT_WORDS,
  FILLER_WORDS,
  IRREGULAR_PLURALS,
  LIGHTING_WORDS,
  MATERIAL_WORDS,
  POSITION_WORDS,
  SHAPE_WORDS,
  SIZE_WORDS,
  STYLE_WORDS,
  TONE_WORDS,
  type ColourFamily,
  type Lighting,
  type Material,
  type ShapeClass,
  type ShapeVariant,
  type ShapeWord,
  type Style,
  type Tone,
} from './vocabulary.js';

/** Like CLIP's text encoder, only the first 77 tokens of a prompt count. */
export const MAX_PROMPT_TOKENS = 77;

export interface ColourSpec {
  rgb: Rgb;
  family: ColourFamily;
}

export interface CountRange {
  min: number;
  max: number;
}

export interface ObjectSpec {
  /** `null`: the prompt named no shape, the seed picks one. */
  shape: ShapeClass | null;
  variant: ShapeVariant;
  /** `null`: the prompt named no colour for it, the seed picks one. */
  colour: ColourSpec | null;
  /** A second colour named for the same object ("red white ball"). */
  accent: ColourSpec | null;
  size: number | null;
  material: Material | null;
  count: CountRange | null;
}

export interface PromptSpec {
  objects: ObjectSpec[];
  background: ColourSpec | null;
  style: Style | null;
  lighting: Exclude<Lighting, 'glow'> | null;
  glow: boolean;
  position: { x: number; y: number } | null;
  /** Words with no meaning here: each nudges the image a little, deterministically. */
  unknownWords: string[];
  /** Known filler words ("a", "picture"): they nudge the image even less. */
  fillerWords: string[];
}

/** Lower-cased tokens (words of any script, numbers, symbols such as emoji), at most `MAX_PROMPT_TOKENS`. */
export function tokenizePrompt(prompt: string): string[] {
  const tokens: string[] = [];
  // Bound the work on huge prompts: 77 tokens never need more than this many characters.
  const head = prompt.slice(0, 4096).normalize('NFKC').toLowerCase();
  // Words, numbers, and single symbols (emoji): punctuation alone carries nothing.
  for (const match of head.matchAll(/[\p{L}\p{N}]+|\p{S}/gu)) {
    tokens.push(match[0]);
    if (tokens.length >= MAX_PROMPT_TOKENS) break;
  }
  return tokens;
}

/** A shape noun, singular or plural ("boxes", "spheres", "tori"). */
export function lookupShapeWord(token: string): (ShapeWord & { plural: boolean }) | null {
  const direct = SHAPE_WORDS.get(token);
  if (direct) return { ...direct, plural: false };
  const irregular = IRREGULAR_PLURALS.get(token);
  const irregularWord = irregular ? SHAPE_WORDS.get(irregular) : undefined;
  if (irregularWord) return { ...irregularWord, plural: true };
  for (const ending of ['es', 's']) {
    if (token.length > ending.length + 2 && token.endsWith(ending)) {
      const singular = SHAPE_WORDS.get(token.slice(0, -ending.length));
      if (singular) return { ...singular, plural: true };
    }
  }
  return null;
}

function tonedColour(rgb: Rgb, tone: Tone | null): Rgb {
  if (tone === 'dark') return scaleRgb(rgb, 0.55);
  if (tone === 'light') return mixRgb(rgb, [255, 255, 255], 0.45);
  if (tone === 'vivid') {
    const hsv = rgbToHsv(rgb[0], rgb[1], rgb[2]);
    return hsvToRgb({ h: hsv.h, s: Math.min(1, hsv.s * 1.2), v: Math.min(1, hsv.v * 1.12) });
  }
  return rgb;
}

interface PendingAdjectives {
  colours: ColourSpec[];
  tone: Tone | null;
  size: number | null;
  material: Material | null;
  count: CountRange | null;
}

const noAdjectives = (): PendingAdjectives => ({ colours: [], tone: null, size: null, material: null, count: null });

const BACKGROUND_LINKS = new Set(['of', 'is', 'in', 'colored', 'coloured']);

export function parsePrompt(prompt: string): PromptSpec {
  const tokens = tokenizePrompt(prompt);
  const spec: PromptSpec = {
    objects: [],
    background: null,
    style: null,
    lighting: null,
    glow: false,
    position: null,
    unknownWords: [],
    fillerWords: [],
  };
  let pending = noAdjectives();

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const next = tokens[i + 1];

    const tone = TONE_WORDS.get(token);
    if (tone && next !== undefined && COLOUR_WORDS.has(next)) {
      pending.tone = tone;
      continue;
    }

    const colourWord = COLOUR_WORDS.get(token);
    if (colourWord) {
      const colour: ColourSpec = { rgb: tonedColour(colourWord.rgb, pending.tone), family: colourWord.family };
      pending.tone = null;
      let j = i + 1;
      if (tokens[j] === 'colored' || tokens[j] === 'coloured') j++;
      if (BACKGROUND_WORDS.has(tokens[j] ?? '')) {
        spec.background = colour;
        i = j;
      } else if (pending.colours.length < 2) {
        pending.colours.push(colour);
      } else {
        spec.unknownWords.push(token);
      }
      continue;
    }

    if (BACKGROUND_WORDS.has(token)) {
      let j = i + 1;
      if (BACKGROUND_LINKS.has(tokens[j] ?? '')) j++;
      const backgroundColour = COLOUR_WORDS.get(tokens[j] ?? '');
      if (backgroundColour) {
        spec.background = { rgb: backgroundColour.rgb, family: backgroundColour.family };
        i = j;
      } else {
        spec.fillerWords.push(token);
      }
      continue;
    }

    const shapeWord = lookupShapeWord(token);
    if (shapeWord) {
      spec.objects.push({
        shape: shapeWord.shape,
        variant: shapeWord.variant,
        colour: pending.colours[0] ?? null,
        accent: pending.colours[1] ?? null,
        size: pending.size,
        material: pending.material,
        count: pending.count ?? (shapeWord.plural ? { min: 2, max: 3 } : null),
      });
      pending = noAdjectives();
      continue;
    }

    const size = SIZE_WORDS.get(token);
    if (size !== undefined) {
      pending.size = size;
      continue;
    }
    const material = MATERIAL_WORDS.get(token);
    if (material) {
      pending.material = material;
      continue;
    }
    const count = COUNT_WORDS.get(token) ?? digitCount(token);
    if (count) {
      pending.count = count;
      continue;
    }
    const style = STYLE_WORDS.get(token);
    if (style) {
      spec.style = style;
      continue;
    }
    const position = POSITION_WORDS.get(token);
    if (position) {
      spec.position = position;
      continue;
    }
    const lighting = LIGHTING_WORDS.get(token);
    if (lighting) {
      if (lighting === 'glow') spec.glow = true;
      else spec.lighting = lighting;
      continue;
    }
    if (FILLER_WORDS.has(token)) spec.fillerWords.push(token);
    else spec.unknownWords.push(token);
  }

  attachLeftovers(spec, pending);
  return spec;
}

function digitCount(token: string): CountRange | null {
  if (!/^\d{1,2}$/.test(token)) return null;
  const n = Number(token);
  return n >= 1 && n <= 8 ? { min: n, max: n } : null;
}

/** Adjectives after the last noun ("sphere red") go to objects lacking them, or make an object of their own. */
function attachLeftovers(spec: PromptSpec, pending: PendingAdjectives): void {
  if (spec.objects.length === 0) {
    spec.objects.push({
      shape: null,
      variant: 'plain',
      colour: pending.colours[0] ?? null,
      accent: pending.colours[1] ?? null,
      size: pending.size,
      material: pending.material,
      count: pending.count,
    });
    return;
  }
  const colours = [...pending.colours];
  for (const object of spec.objects) {
    if (object.colour === null && colours.length > 0) object.colour = colours.shift() ?? null;
    if (object.size === null) object.size = pending.size;
    if (object.material === null) object.material = pending.material;
    if (object.count === null) object.count = pending.count;
  }
  const last = spec.objects[spec.objects.length - 1];
  if (last && last.accent === null && colours.length > 0) last.accent = colours.shift() ?? null;
}
