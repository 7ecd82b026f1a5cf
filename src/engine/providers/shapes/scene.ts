/**
 * What to draw + a seed → a concrete scene: positions, sizes, light direction,
 * the shape or colour the prompt left open, and the small deterministic nudges
 * of words the shapes world does not know. The seed moves things only a
 * little, as a real model's seed does for a clear prompt.
 */
import { hashString, Rng } from '../../math/random.js';
import { hsvToRgb, mixRgb, type Rgb, rgbToHsv, scaleRgb, shiftHue } from './colour.js';
import type { ObjectSpec, PromptSpec } from './prompt-parser.js';
import {
  COLOUR_FAMILIES,
  type ColourFamily,
  familyColour,
  type Material,
  SHAPE_CLASSES,
  type ShapeClass,
  type ShapeVariant,
  type Style,
} from './vocabulary.js';

export type SurfacePattern = 'none' | 'beach' | 'band' | 'half' | 'stripes' | 'tape' | 'meridians' | 'sprinkles' | 'rims';

export interface SceneObject {
  shape: ShapeClass;
  variant: ShapeVariant;
  colour: Rgb;
  accent: Rgb | null;
  pattern: SurfacePattern;
  material: Material | 'default';
  /** Drawn as a 2-D figure (circle, square, triangle) whatever the style. */
  flat: boolean;
  glow: boolean;
  /** Centre and half-size in pixels. */
  cx: number;
  cy: number;
  r: number;
  /** Width / height stretch of the figure (box wider, pillar taller…). */
  aspect: number;
  /** Small in-plane rotation (radians). */
  rotation: number;
  /** Turn of 3-D figures about the vertical axis, in [-1, 1]. */
  turn: number;
  /** Seeds the object's own details (sprinkles). */
  detailSeed: number;
}

export interface WordTexture {
  kind: 'grain' | 'lines' | 'tint';
  colour: Rgb;
  alpha: number;
  seed: number;
}

export interface Scene {
  width: number;
  height: number;
  background: Rgb;
  /** How much darker the bottom of the background is than the top (studio sweep). */
  backgroundFalloff: number;
  style: Style;
  lighting: 'normal' | 'dark' | 'bright';
  /** Unit 2-D vector from an object's centre towards the light (y down). */
  light: { x: number; y: number };
  objects: SceneObject[];
  textures: WordTexture[];
}

const MAX_OBJECTS = 8;

/** Signed value in [-1, 1) from 8 bits of a hash. */
const hashUnit = (hash: number, shift: number) => (((hash >>> shift) & 0xff) / 128 - 1);

interface WordNudges {
  hueDegrees: number;
  dx: number;
  dy: number;
  scale: number;
  textures: WordTexture[];
}

/** Irrelevant words move a real model's image a little; here each one does so by its own hash. */
function wordNudges(unknownWords: readonly string[], fillerWords: readonly string[]): WordNudges {
  const nudges: WordNudges = { hueDegrees: 0, dx: 0, dy: 0, scale: 1, textures: [] };
  const apply = (word: string, strength: number, textured: boolean) => {
    const h = hashString(word);
    nudges.hueDegrees += hashUnit(h, 0) * 6 * strength;
    nudges.dx += hashUnit(h, 8) * 0.02 * strength;
    nudges.dy += hashUnit(h, 16) * 0.02 * strength;
    nudges.scale *= 1 + hashUnit(h, 24) * 0.04 * strength;
    if (textured && nudges.textures.length < 4) {
      const kinds = ['grain', 'lines', 'tint'] as const;
      nudges.textures.push({
        kind: kinds[h % 3] as WordTexture['kind'],
        colour: shiftHue([200, 60, 60], (h >>> 4) % 360),
        alpha: 0.03 + ((h >>> 12) % 4) * 0.008,
        seed: h,
      });
    }
  };
  for (const word of unknownWords) apply(word, 1, true);
  for (const word of fillerWords) apply(word, 0.3, false);
  nudges.hueDegrees = Math.max(-20, Math.min(20, nudges.hueDegrees));
  nudges.dx = Math.max(-0.07, Math.min(0.07, nudges.dx));
  nudges.dy = Math.max(-0.07, Math.min(0.07, nudges.dy));
  nudges.scale = Math.max(0.88, Math.min(1.12, nudges.scale));
  return nudges;
}

function normaliseSeed(seed: number): number {
  return Number.isFinite(seed) ? Math.floor(Math.abs(seed)) % 4294967296 : 0;
}

const isLight = (c: Rgb) => rgbToHsv(c[0], c[1], c[2]).v > 0.85 && rgbToHsv(c[0], c[1], c[2]).s < 0.25;
const isDark = (c: Rgb) => rgbToHsv(c[0], c[1], c[2]).v < 0.3;

/** A colour the seed picks, never the background's own family (a model keeps the subject visible). */
function seededColour(rng: Rng, background: Rgb, avoid: ColourFamily | null): Rgb {
  for (let attempt = 0; attempt < 8; attempt++) {
    const family = rng.pick(COLOUR_FAMILIES);
    const rgb = familyColour(family);
    if (family === avoid) continue;
    if (isLight(background) && (family === 'white' || isLight(rgb))) continue;
    if (isDark(background) && (family === 'black' || isDark(rgb))) continue;
    return rgb;
  }
  return familyColour('red');
}

function pickBackground(spec: PromptSpec, rng: Rng): { colour: Rgb; falloff: number } {
  const tone = rng.next();
  if (spec.background) {
    const base = spec.lighting === 'dark' ? scaleRgb(spec.background.rgb, 0.5) : spec.background.rgb;
    return { colour: base, falloff: 0.04 + 0.06 * tone };
  }
  if (spec.lighting === 'dark') return { colour: [34 + 10 * tone, 34 + 10 * tone, 40 + 10 * tone], falloff: 0.1 };
  // A white subject gets a grey backdrop, as a photographer (or a model) would give it.
  const lightSubject = spec.objects.every((o) => o.colour !== null && isLight(o.colour.rgb));
  if (lightSubject) return { colour: [150 + 20 * tone, 156 + 20 * tone, 166 + 20 * tone], falloff: 0.12 };
  // Studio backdrops: mostly white, sometimes off-white or a light grey sweep.
  if (tone < 0.45) return { colour: [255, 255, 255], falloff: 0 };
  if (tone < 0.7) return { colour: [247, 247, 245], falloff: 0.02 };
  if (tone < 0.85) return { colour: [240, 240, 242], falloff: 0.07 };
  return { colour: [251, 248, 241], falloff: 0.03 };
}

function jitterShade(colour: Rgb, jitter: { value: number; saturation: number }): Rgb {
  const hsv = rgbToHsv(colour[0], colour[1], colour[2]);
  return hsvToRgb({ h: hsv.h, s: Math.min(1, hsv.s * jitter.saturation), v: Math.min(1, hsv.v * jitter.value) });
}

function expandCount(object: ObjectSpec, rng: Rng): number {
  if (!object.count) return 1;
  return object.count.min + rng.int(object.count.max - object.count.min + 1);
}

export function realiseScene(spec: PromptSpec, seed: number, width: number, height: number): Scene {
  const rng = new Rng(normaliseSeed(seed));
  const nudges = wordNudges(spec.unknownWords, spec.fillerWords);

  // Global draws first, in a fixed order, so one seed gives a similar layout across prompts.
  const lightAngle = (-125 + Math.max(-2, Math.min(2, rng.normal())) * 20) * (Math.PI / 180);
  const light = { x: Math.cos(lightAngle), y: Math.sin(lightAngle) };
  const groupJitter = { x: (rng.next() - 0.5) * 0.16, y: (rng.next() - 0.5) * 0.12 };
  const sizeJitter = 0.86 + rng.next() * 0.28;
  const backdrop = pickBackground(spec, rng);
  // A model's "red" is not one exact red: the seed shifts hue and shade a little.
  const shadeJitter = { hue: (rng.next() - 0.5) * 10, value: 0.88 + rng.next() * 0.2, saturation: 0.9 + rng.next() * 0.15 };
  const background = spec.background ? shiftHue(backdrop.colour, nudges.hueDegrees * 0.5) : backdrop.colour;

  // What the prompt leaves open (a shape, a colour) depends on the seed AND the words, as in a real
  // model: otherwise every shapeless prompt would draw the same shape on a given seed, and a policy
  // scored on that seed would learn that naming no shape is as good as naming the right one.
  const openChoices = new Rng((normaliseSeed(seed) ^ hashString(JSON.stringify([spec.objects, spec.unknownWords, spec.fillerWords]))) >>> 0);
  const objects: Omit<SceneObject, 'cx' | 'cy' | 'r'>[] = [];
  const sizes: number[] = [];
  for (const object of spec.objects) {
    const copies = expandCount(object, rng);
    const shape = object.shape ?? openChoices.pick(SHAPE_CLASSES);
    const colour = object.colour?.rgb ?? seededColour(openChoices, background, spec.background?.family ?? null);
    const variantRoll = rng.next();
    const accentPatternRoll = rng.next();
    for (let c = 0; c < copies && objects.length < MAX_OBJECTS; c++) {
      const shaded = jitterShade(shiftHue(colour, nudges.hueDegrees + shadeJitter.hue), shadeJitter);
      objects.push(describeObject(object, shape, shaded, variantRoll, accentPatternRoll, spec, rng));
      sizes.push(object.size ?? 1);
    }
  }

  const placed = layoutObjects(objects.length, spec, groupJitter, nudges, rng, width, height);
  const unit = Math.min(width, height);
  const sceneObjects: SceneObject[] = objects.map((object, i) => {
    const slot = placed[i] as { x: number; y: number; cell: number };
    const r = slot.cell * (sizes[i] as number) * sizeJitter * nudges.scale * unit;
    // Keep the figure inside the frame when there is room for it.
    const cx = Math.min(Math.max(slot.x * width, Math.min(r, width / 2)), width - Math.min(r, width / 2));
    const cy = Math.min(Math.max(slot.y * height, Math.min(r, height / 2)), height - Math.min(r, height / 2));
    return { ...object, cx, cy, r };
  });

  return {
    width,
    height,
    background,
    backgroundFalloff: backdrop.falloff,
    style: spec.style ?? 'render',
    lighting: spec.lighting ?? 'normal',
    light,
    objects: sceneObjects,
    textures: nudges.textures,
  };
}

function describeObject(
  object: ObjectSpec,
  shape: ShapeClass,
  colour: Rgb,
  variantRoll: number,
  accentPatternRoll: number,
  spec: PromptSpec,
  rng: Rng,
): Omit<SceneObject, 'cx' | 'cy' | 'r'> {
  const variant = object.shape === null ? 'plain' : object.variant;
  let pattern: SurfacePattern = 'none';
  let accent: Rgb | null = object.accent?.rgb ?? null;
  let material: SceneObject['material'] = object.material ?? 'default';
  let aspect = 1;
  let glow = spec.glow;
  if (accent) pattern = accentPatternRoll < 0.4 ? 'band' : accentPatternRoll < 0.7 ? 'half' : 'stripes';
  switch (variant) {
    case 'ball':
      // "ball" is sometimes a beach ball and otherwise a rubber ball: close to "sphere", not the same.
      if (variantRoll < 0.3) {
        pattern = 'beach';
        accent ??= mixRgb(colour, [255, 255, 255], 0.85);
      } else if (material === 'default') material = 'matte';
      break;
    case 'orb':
      // An orb glows on some seeds and is glassy on the others.
      if (variantRoll < 0.5) glow = true;
      else if (material === 'default') material = 'shiny';
      break;
    case 'globe':
      pattern = 'meridians';
      break;
    case 'box':
      aspect = 1.1;
      if (variantRoll < 0.45) pattern = 'tape';
      break;
    case 'block':
      aspect = 0.92;
      break;
    case 'tube':
      aspect = 0.75;
      break;
    case 'pillar':
      aspect = 0.8;
      break;
    case 'can':
      pattern = 'rims';
      break;
    case 'donut':
      if (variantRoll < 0.5) pattern = 'sprinkles';
      break;
    case 'oval':
      aspect = 1.06;
      break;
    default:
      break;
  }
  return {
    shape,
    variant,
    colour,
    accent,
    pattern,
    material,
    flat: variant === 'flat',
    glow,
    aspect,
    rotation: (rng.next() - 0.5) * (shape === 'star' || shape === 'heart' ? 0.24 : 0.08),
    turn: (rng.next() - 0.5) * 0.5,
    detailSeed: rng.nextUint32(),
  };
}

/** Centres (fractions of the frame) and half-sizes (fractions of the short side) for n objects. */
function layoutObjects(
  n: number,
  spec: PromptSpec,
  groupJitter: { x: number; y: number },
  nudges: WordNudges,
  rng: Rng,
  width: number,
  height: number,
): { x: number; y: number; cell: number }[] {
  const cols = n <= 3 ? n : Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const position = spec.position ?? { x: 0, y: 0 };
  const centreX = 0.5 + position.x * 0.2 + groupJitter.x + nudges.dx;
  const centreY = 0.52 + position.y * 0.2 + groupJitter.y + nudges.dy;
  // Cells in fractions of each axis; the figure's half-size is a fraction of the short side.
  const spanX = n === 1 ? 0 : 0.84;
  const spanY = rows === 1 ? 0 : 0.8;
  const unit = Math.min(width, height);
  const cellPx = n === 1 ? 0.28 * unit : Math.min((width * 0.84) / cols, (height * 0.8) / rows) * 0.36;
  const slots: { x: number; y: number; cell: number }[] = [];
  for (let i = 0; i < n; i++) {
    const col = i % cols;
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? n - row * cols : cols;
    const x = centreX + (inRow === 1 ? 0 : ((col + 0.5) / cols - 0.5) * spanX + ((cols - inRow) / cols) * spanX * 0.5);
    const y = centreY + (rows === 1 ? 0 : ((row + 0.5) / rows - 0.5) * spanY);
    slots.push({
      x: x + (n > 1 ? (rng.next() - 0.5) * 0.04 : 0),
      y: y + (n > 1 ? (rng.next() - 0.5) * 0.04 : 0),
      cell: cellPx / unit,
    });
  }
  return slots;
}
