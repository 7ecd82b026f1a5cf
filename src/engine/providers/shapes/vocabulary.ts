/**
 * Every word the shapes world understands, by family. Exported so other code
 * (word suggestions, docs, tests) can list the known words. Lookups go through
 * `Map`s so that prompt words like "constructor" never hit Object.prototype.
 */
import type { Rgb } from './colour.js';

export const COLOUR_FAMILIES = [
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'brown',
  'black',
  'white',
  'gray',
  'cyan',
] as const;
export type ColourFamily = (typeof COLOUR_FAMILIES)[number];

export interface ColourWord {
  family: ColourFamily;
  rgb: Rgb;
}

const colour = (family: ColourFamily, rgb: Rgb): ColourWord => ({ family, rgb });

/** Colour words; variants (crimson, navy…) keep their family but differ in shade. */
export const COLOUR_WORDS: ReadonlyMap<string, ColourWord> = new Map(
  Object.entries({
    red: colour('red', [214, 28, 34]),
    crimson: colour('red', [188, 18, 52]),
    scarlet: colour('red', [232, 38, 18]),
    maroon: colour('red', [122, 18, 28]),
    ruby: colour('red', [196, 14, 62]),
    cherry: colour('red', [206, 22, 46]),
    orange: colour('orange', [244, 128, 22]),
    tangerine: colour('orange', [250, 116, 30]),
    amber: colour('orange', [250, 164, 10]),
    coral: colour('orange', [248, 112, 84]),
    yellow: colour('yellow', [246, 212, 30]),
    gold: colour('yellow', [226, 178, 38]),
    golden: colour('yellow', [230, 182, 44]),
    lemon: colour('yellow', [248, 236, 72]),
    green: colour('green', [38, 164, 58]),
    lime: colour('green', [136, 208, 40]),
    emerald: colour('green', [18, 148, 90]),
    olive: colour('green', [110, 120, 38]),
    mint: colour('green', [120, 218, 168]),
    blue: colour('blue', [34, 88, 218]),
    navy: colour('blue', [22, 32, 112]),
    azure: colour('blue', [40, 130, 238]),
    cobalt: colour('blue', [0, 70, 170]),
    purple: colour('purple', [128, 48, 178]),
    violet: colour('purple', [140, 80, 220]),
    lavender: colour('purple', [178, 150, 228]),
    indigo: colour('purple', [78, 40, 158]),
    plum: colour('purple', [118, 48, 108]),
    pink: colour('pink', [244, 140, 182]),
    magenta: colour('pink', [218, 40, 170]),
    fuchsia: colour('pink', [228, 50, 160]),
    rose: colour('pink', [238, 108, 140]),
    brown: colour('brown', [128, 78, 40]),
    tan: colour('brown', [198, 158, 108]),
    beige: colour('brown', [218, 200, 160]),
    chocolate: colour('brown', [98, 54, 24]),
    bronze: colour('brown', [168, 108, 48]),
    black: colour('black', [22, 22, 24]),
    charcoal: colour('black', [50, 50, 56]),
    white: colour('white', [244, 244, 244]),
    ivory: colour('white', [250, 246, 228]),
    cream: colour('white', [248, 238, 208]),
    gray: colour('gray', [128, 128, 128]),
    grey: colour('gray', [128, 128, 128]),
    silver: colour('gray', [190, 192, 198]),
    slate: colour('gray', [98, 108, 124]),
    cyan: colour('cyan', [28, 198, 218]),
    turquoise: colour('cyan', [48, 208, 198]),
    teal: colour('cyan', [20, 128, 130]),
    aqua: colour('cyan', [70, 228, 228]),
  }),
);

/** The plain colour a model falls back on when a prompt names no colour. */
export function familyColour(family: ColourFamily): Rgb {
  return (COLOUR_WORDS.get(family) as ColourWord).rgb;
}

/** Words that shade the colour word right after them ("dark red", "light blue"). */
export type Tone = 'dark' | 'light' | 'vivid';
export const TONE_WORDS: ReadonlyMap<string, Tone> = new Map(
  Object.entries({ dark: 'dark', deep: 'dark', light: 'light', pale: 'light', pastel: 'light', bright: 'vivid', vivid: 'vivid' }),
);

export const SHAPE_CLASSES = ['sphere', 'cube', 'pyramid', 'cone', 'cylinder', 'torus', 'star', 'heart', 'egg'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

/**
 * How a synonym differs from its class's canonical drawing, the way "ball" and
 * "sphere" differ for a real model ("ball" is sometimes a beach ball).
 */
export type ShapeVariant =
  | 'plain'
  | 'ball'
  | 'orb'
  | 'globe'
  | 'flat'
  | 'box'
  | 'block'
  | 'tube'
  | 'can'
  | 'pillar'
  | 'ring'
  | 'donut'
  | 'oval';

export interface ShapeWord {
  shape: ShapeClass;
  variant: ShapeVariant;
}

const shape = (s: ShapeClass, variant: ShapeVariant = 'plain'): ShapeWord => ({ shape: s, variant });

export const SHAPE_WORDS: ReadonlyMap<string, ShapeWord> = new Map(
  Object.entries({
    sphere: shape('sphere'),
    ball: shape('sphere', 'ball'),
    orb: shape('sphere', 'orb'),
    globe: shape('sphere', 'globe'),
    circle: shape('sphere', 'flat'),
    disc: shape('sphere', 'flat'),
    disk: shape('sphere', 'flat'),
    dot: shape('sphere', 'flat'),
    cube: shape('cube'),
    box: shape('cube', 'box'),
    block: shape('cube', 'block'),
    cuboid: shape('cube', 'block'),
    square: shape('cube', 'flat'),
    pyramid: shape('pyramid'),
    tetrahedron: shape('pyramid'),
    triangle: shape('pyramid', 'flat'),
    cone: shape('cone'),
    cylinder: shape('cylinder'),
    tube: shape('cylinder', 'tube'),
    can: shape('cylinder', 'can'),
    pillar: shape('cylinder', 'pillar'),
    column: shape('cylinder', 'pillar'),
    torus: shape('torus'),
    ring: shape('torus', 'ring'),
    donut: shape('torus', 'donut'),
    doughnut: shape('torus', 'donut'),
    star: shape('star'),
    heart: shape('heart'),
    egg: shape('egg'),
    oval: shape('egg', 'oval'),
    ellipse: shape('egg', 'oval'),
    ellipsoid: shape('egg', 'oval'),
  }),
);

/** Irregular plurals; regular ones (-s, -es) are recognised by stripping the ending. */
export const IRREGULAR_PLURALS: ReadonlyMap<string, string> = new Map(
  Object.entries({ tori: 'torus', spheres: 'sphere', ellipses: 'ellipse' }),
);

/** Size multipliers. */
export const SIZE_WORDS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    tiny: 0.45,
    mini: 0.55,
    small: 0.65,
    little: 0.65,
    medium: 1,
    large: 1.3,
    big: 1.3,
    huge: 1.55,
    giant: 1.6,
    enormous: 1.6,
  }),
);

export type Material = 'shiny' | 'metallic' | 'matte';
export const MATERIAL_WORDS: ReadonlyMap<string, Material> = new Map(
  Object.entries({
    shiny: 'shiny',
    glossy: 'shiny',
    polished: 'shiny',
    reflective: 'shiny',
    glass: 'shiny',
    plastic: 'shiny',
    metallic: 'metallic',
    metal: 'metallic',
    chrome: 'metallic',
    steel: 'metallic',
    matte: 'matte',
    matt: 'matte',
    rubber: 'matte',
    clay: 'matte',
    wooden: 'matte',
  }),
);

/** `render` is the default look (shaded 3-D); `flat` fills; `outline` only strokes. */
export type Style = 'flat' | 'outline' | 'render';
export const STYLE_WORDS: ReadonlyMap<string, Style> = new Map(
  Object.entries({
    flat: 'flat',
    '2d': 'flat',
    simple: 'flat',
    minimal: 'flat',
    minimalist: 'flat',
    icon: 'flat',
    vector: 'flat',
    cartoon: 'flat',
    clipart: 'flat',
    outline: 'outline',
    outlined: 'outline',
    drawing: 'outline',
    drawn: 'outline',
    sketch: 'outline',
    line: 'outline',
    lineart: 'outline',
    doodle: 'outline',
    '3d': 'render',
    rendering: 'render',
    render: 'render',
    rendered: 'render',
    shaded: 'render',
    realistic: 'render',
    photorealistic: 'render',
    cgi: 'render',
    photo: 'render',
    photograph: 'render',
  }),
);

/** Nouns that turn the colour next to them into the background colour. */
export const BACKGROUND_WORDS: ReadonlySet<string> = new Set(['background', 'backdrop', 'wall', 'surface', 'floor']);

/** Object counts; `several` and `many` are ranges a seed picks from. */
export const COUNT_WORDS: ReadonlyMap<string, { min: number; max: number }> = new Map(
  Object.entries({
    one: { min: 1, max: 1 },
    single: { min: 1, max: 1 },
    two: { min: 2, max: 2 },
    pair: { min: 2, max: 2 },
    couple: { min: 2, max: 2 },
    three: { min: 3, max: 3 },
    four: { min: 4, max: 4 },
    five: { min: 5, max: 5 },
    six: { min: 6, max: 6 },
    few: { min: 2, max: 3 },
    some: { min: 2, max: 4 },
    multiple: { min: 2, max: 4 },
    several: { min: 3, max: 5 },
    group: { min: 3, max: 5 },
    many: { min: 5, max: 7 },
    lots: { min: 5, max: 7 },
    bunch: { min: 4, max: 6 },
    dozen: { min: 7, max: 8 },
  }),
);

/** Where in the frame, as offsets in [-1, 1] (x right, y down). */
export const POSITION_WORDS: ReadonlyMap<string, { x: number; y: number }> = new Map(
  Object.entries({
    centered: { x: 0, y: 0 },
    centred: { x: 0, y: 0 },
    center: { x: 0, y: 0 },
    centre: { x: 0, y: 0 },
    middle: { x: 0, y: 0 },
    left: { x: -1, y: 0 },
    right: { x: 1, y: 0 },
    top: { x: 0, y: -1 },
    bottom: { x: 0, y: 1 },
    corner: { x: -1, y: -1 },
  }),
);

export type Lighting = 'dark' | 'bright' | 'glow';
export const LIGHTING_WORDS: ReadonlyMap<string, Lighting> = new Map(
  Object.entries({
    dark: 'dark',
    dim: 'dark',
    night: 'dark',
    shadowy: 'dark',
    moody: 'dark',
    bright: 'bright',
    light: 'bright',
    sunny: 'bright',
    sunlit: 'bright',
    daylight: 'bright',
    glowing: 'glow',
    glow: 'glow',
    neon: 'glow',
    luminous: 'glow',
  }),
);

/** Words every caption has; they nudge the image far less than unknown words do. */
export const FILLER_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'the',
  'of',
  'on',
  'in',
  'with',
  'and',
  'is',
  'at',
  'to',
  'it',
  'its',
  'this',
  'that',
  'picture',
  'image',
  'view',
  'close',
  'up',
  'closeup',
  'colored',
  'coloured',
  'shaped',
  'object',
  'sitting',
  'there',
  'against',
]);

/** All known words grouped by family, for listing (UI hints, docs, tests). */
export const SHAPES_VOCABULARY = {
  colours: [...COLOUR_WORDS.keys()],
  tones: [...TONE_WORDS.keys()],
  shapes: [...SHAPE_WORDS.keys()],
  sizes: [...SIZE_WORDS.keys()],
  materials: [...MATERIAL_WORDS.keys()],
  styles: [...STYLE_WORDS.keys()],
  backgrounds: [...BACKGROUND_WORDS],
  counts: [...COUNT_WORDS.keys()],
  positions: [...POSITION_WORDS.keys()],
  lighting: [...LIGHTING_WORDS.keys()],
  fillers: [...FILLER_WORDS],
} as const satisfies Record<string, readonly string[]>;

/** Every word the shapes world gives a meaning to (fillers included), sorted. */
export function knownShapesWords(): string[] {
  return [...new Set(Object.values(SHAPES_VOCABULARY).flat())].sort();
}
