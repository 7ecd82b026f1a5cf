/**
 * Paints a scene on a 2-D canvas: background sweep, ground shadows, each
 * figure filled in its colour, its surface pattern, then light and shade laid
 * over as translucent white and black (so patterns are shaded too), then the
 * faint textures of unknown words.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { Rng } from '../../math/random.js';
import { cssRgb, mixRgb, type Rgb, scaleRgb } from './colour.js';
import { type Face, type Figure, figureFor, type Vec3 } from './figures.js';
import type { Scene, SceneObject } from './scene.js';

interface Lamp {
  /** Unit vector towards the light, screen axes (y down, z to viewer). */
  direction: Vec3;
  /** Multiplies shadow strength: >1 in dark scenes. */
  shadow: number;
  /** Multiplies highlight strength. */
  highlight: number;
}

const AMBIENT = 0.36;
const DIFFUSE = 0.74;

/** Translucent white or black that turns a flat fill into the lit shade for brightness `b` (cosine to the light). */
function shadeOverlay(b: number, lamp: Lamp): string {
  const f = AMBIENT + DIFFUSE * Math.max(0, b);
  if (f < 1) return `rgba(0,0,0,${Math.min(0.85, (1 - f) * lamp.shadow).toFixed(3)})`;
  return `rgba(255,255,255,${Math.min(0.45, (f - 1) * 1.3 * lamp.highlight).toFixed(3)})`;
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function paintScene(ctx: SKRSContext2D, scene: Scene): void {
  paintBackground(ctx, scene);
  const len = Math.hypot(scene.light.x, scene.light.y, 0.8);
  const lamp: Lamp = {
    direction: [scene.light.x / len, scene.light.y / len, 0.8 / len],
    shadow: scene.lighting === 'dark' ? 1.3 : scene.lighting === 'bright' ? 0.75 : 1,
    highlight: scene.lighting === 'dark' ? 0.7 : 1,
  };
  const figures = scene.objects.map((object) => figureFor(object));
  // Shadows first so no object's shadow falls over another object.
  if (scene.style === 'render') {
    scene.objects.forEach((object, i) => {
      paintGroundShadow(ctx, object, figures[i] as Figure, scene, lamp);
    });
  }
  scene.objects.forEach((object, i) => {
    ctx.save();
    ctx.translate(object.cx, object.cy);
    ctx.rotate(object.rotation);
    ctx.scale(object.r * object.aspect, object.r);
    paintObject(ctx, object, figures[i] as Figure, scene, lamp);
    ctx.restore();
  });
  for (const texture of scene.textures) paintTexture(ctx, scene, texture);
}

function paintBackground(ctx: SKRSContext2D, scene: Scene): void {
  if (scene.backgroundFalloff <= 0) {
    ctx.fillStyle = cssRgb(scene.background);
  } else {
    const sweep = ctx.createLinearGradient(0, 0, 0, scene.height);
    sweep.addColorStop(0, cssRgb(scene.background));
    sweep.addColorStop(1, cssRgb(scaleRgb(scene.background, 1 - scene.backgroundFalloff)));
    ctx.fillStyle = sweep;
  }
  ctx.fillRect(0, 0, scene.width, scene.height);
}

function paintGroundShadow(ctx: SKRSContext2D, object: SceneObject, figure: Figure, scene: Scene, lamp: Lamp): void {
  if (object.glow) return;
  const rx = Math.max(0.3, figure.baseHalfWidth) * object.r * object.aspect * 1.05;
  const ry = object.r * 0.16;
  const x = object.cx - scene.light.x * object.r * 0.3;
  const y = object.cy + figure.bottom * object.r;
  ctx.save();
  ctx.translate(x, y);
  ctx.scale(1, ry / rx);
  const g = ctx.createRadialGradient(0, 0, 0, 0, 0, rx);
  const alpha = 0.2 * lamp.shadow;
  g.addColorStop(0, `rgba(0,0,0,${alpha.toFixed(3)})`);
  g.addColorStop(0.6, `rgba(0,0,0,${(alpha * 0.45).toFixed(3)})`);
  g.addColorStop(1, 'rgba(0,0,0,0)');
  ctx.fillStyle = g;
  ctx.beginPath();
  ctx.arc(0, 0, rx, 0, Math.PI * 2);
  ctx.fill();
  ctx.restore();
}

function paintObject(ctx: SKRSContext2D, object: SceneObject, figure: Figure, scene: Scene, lamp: Lamp): void {
  const rule = figure.evenOdd ? 'evenodd' : 'nonzero';
  if (scene.style === 'outline') {
    ctx.strokeStyle = cssRgb(object.colour);
    ctx.lineJoin = 'round';
    ctx.lineWidth = 0.07;
    ctx.stroke(figure.silhouette);
    if (figure.innerEdges && !object.flat) {
      ctx.lineWidth = 0.045;
      ctx.stroke(figure.innerEdges);
    }
    return;
  }
  if (object.glow) paintGlow(ctx, object);

  ctx.fillStyle = cssRgb(object.colour);
  ctx.fill(figure.silhouette, rule);
  ctx.save();
  ctx.clip(figure.silhouette, rule);
  paintPattern(ctx, object, figure);
  // A flat cube or pyramid icon keeps flat-toned faces; a flat star is one colour.
  if (scene.style === 'flat' || object.flat) {
    if (object.shape === 'cube' || object.shape === 'pyramid') paintFlatFaces(ctx, figure, lamp);
  }
  else paintShading(ctx, object, figure, lamp);
  ctx.restore();
}

function paintGlow(ctx: SKRSContext2D, object: SceneObject): void {
  const g = ctx.createRadialGradient(0, 0, 0.9, 0, 0, 1.45);
  g.addColorStop(0, cssRgb(object.colour, 0.4));
  g.addColorStop(0.5, cssRgb(object.colour, 0.12));
  g.addColorStop(1, cssRgb(object.colour, 0));
  ctx.fillStyle = g;
  ctx.fillRect(-2, -2, 4, 4);
}

/** Flat style: faces keep flat tones (a cube icon still shows its three faces), no gradients. */
function paintFlatFaces(ctx: SKRSContext2D, figure: Figure, lamp: Lamp): void {
  for (const face of figure.faces) {
    const b = dot(face.normal, lamp.direction);
    ctx.fillStyle = b > 0.55 ? 'rgba(255,255,255,0.12)' : b < 0.25 ? 'rgba(0,0,0,0.22)' : 'rgba(0,0,0,0)';
    ctx.fill(face.path);
  }
}

function paintShading(ctx: SKRSContext2D, object: SceneObject, figure: Figure, lamp: Lamp): void {
  const shading = figure.shading;
  const material = object.material;
  const strength = object.glow ? 0.6 : material === 'metallic' ? 1.25 : 1;
  const shadowLamp: Lamp = { ...lamp, shadow: lamp.shadow * strength };
  switch (shading.kind) {
    case 'radial':
      paintRadialShading(ctx, shading, object, shadowLamp);
      break;
    case 'lathe':
      paintLatheShading(ctx, shading, object, shadowLamp);
      break;
    case 'torus':
      paintTorusShading(ctx, shading, object, shadowLamp);
      break;
    case 'faceted':
      for (const face of figure.faces) paintFace(ctx, face, object, shadowLamp);
      break;
    case 'none':
      break;
  }
}

function highlightAlpha(material: SceneObject['material']): number {
  return material === 'matte' ? 0.16 : material === 'shiny' ? 0.42 : material === 'metallic' ? 0.55 : 0.32;
}

function paintSpecular(ctx: SKRSContext2D, x: number, y: number, material: SceneObject['material'], lamp: Lamp): void {
  if (material === 'matte') return;
  const glossy = material !== 'default';
  const radius = material === 'shiny' ? 0.22 : material === 'metallic' ? 0.16 : 0.21;
  const alpha = (glossy ? 0.95 : 0.5) * lamp.highlight;
  const g = ctx.createRadialGradient(x, y, 0, x, y, radius);
  // Glossy surfaces give a crisp hot spot; the default a soft sheen.
  g.addColorStop(0, `rgba(255,255,255,${alpha.toFixed(3)})`);
  g.addColorStop(glossy ? 0.4 : 0.5, `rgba(255,255,255,${(alpha * (glossy ? 0.8 : 0.4)).toFixed(3)})`);
  g.addColorStop(1, 'rgba(255,255,255,0)');
  ctx.fillStyle = g;
  ctx.fillRect(x - radius, y - radius, radius * 2, radius * 2);
}

function paintRadialShading(
  ctx: SKRSContext2D,
  shading: { cx: number; cy: number; radius: number },
  object: SceneObject,
  lamp: Lamp,
): void {
  const { cx, cy, radius } = shading;
  const [lx, ly] = lamp.direction;
  const hx = cx + lx * 0.45 * radius;
  const hy = cy + ly * 0.45 * radius;
  const g = ctx.createRadialGradient(hx, hy, 0, cx - lx * 0.1, cy - ly * 0.1, radius * 1.08);
  const k = lamp.shadow;
  g.addColorStop(0, `rgba(255,255,255,${(highlightAlpha(object.material) * lamp.highlight).toFixed(3)})`);
  g.addColorStop(0.3, 'rgba(255,255,255,0)');
  g.addColorStop(0.55, `rgba(0,0,0,${Math.min(0.9, 0.12 * k).toFixed(3)})`);
  g.addColorStop(0.82, `rgba(0,0,0,${Math.min(0.9, 0.42 * k).toFixed(3)})`);
  g.addColorStop(1, `rgba(0,0,0,${Math.min(0.92, 0.66 * k).toFixed(3)})`);
  ctx.fillStyle = g;
  ctx.fillRect(-2, -2, 4, 4);
  if (object.material === 'metallic') {
    // A chrome ball mirrors a dark horizon across its lower half.
    const band = ctx.createLinearGradient(0, cy - 0.1, 0, cy + 0.6);
    band.addColorStop(0, 'rgba(0,0,0,0)');
    band.addColorStop(0.3, 'rgba(0,0,0,0.35)');
    band.addColorStop(0.55, 'rgba(255,255,255,0.12)');
    band.addColorStop(1, 'rgba(0,0,0,0)');
    ctx.fillStyle = band;
    ctx.fillRect(-2, -2, 4, 4);
  }
  paintSpecular(ctx, hx + lx * 0.05, hy + ly * 0.05, object.material, lamp);
}

/** Cones and cylinders: brightness varies across the width as on a lathe-turned surface. */
function paintLatheShading(
  ctx: SKRSContext2D,
  shading: { halfWidth: number; tilt: number; cap: Face | null },
  object: SceneObject,
  lamp: Lamp,
): void {
  const w = shading.halfWidth;
  const g = ctx.createLinearGradient(-w, 0, w, 0);
  let brightestU = 0;
  let brightest = -2;
  for (let i = 0; i <= 12; i++) {
    const u = -1 + (2 * i) / 12;
    const n: Vec3 = [u, -shading.tilt, Math.sqrt(Math.max(0, 1 - u * u))];
    const len = Math.hypot(n[0], n[1], n[2]);
    const b = dot([n[0] / len, n[1] / len, n[2] / len], lamp.direction);
    if (b > brightest) {
      brightest = b;
      brightestU = u;
    }
    g.addColorStop(i / 12, shadeOverlay(b, lamp));
  }
  ctx.fillStyle = g;
  ctx.fillRect(-2, -2, 4, 4);
  if (shading.cap) paintFace(ctx, shading.cap, object, lamp);
  if (object.material !== 'matte') {
    const x = brightestU * w * 0.8;
    const streak = ctx.createLinearGradient(x - 0.14, 0, x + 0.14, 0);
    const alpha = (object.material === 'default' ? 0.3 : 0.6) * lamp.highlight;
    streak.addColorStop(0, 'rgba(255,255,255,0)');
    streak.addColorStop(0.5, `rgba(255,255,255,${alpha.toFixed(3)})`);
    streak.addColorStop(1, 'rgba(255,255,255,0)');
    ctx.fillStyle = streak;
    ctx.fillRect(x - 0.14, -2, 0.28, 4);
  }
}

function paintTorusShading(
  ctx: SKRSContext2D,
  shading: { holeRx: number; holeRy: number; outerRy: number },
  object: SceneObject,
  lamp: Lamp,
): void {
  const k = lamp.shadow;
  // The tube: dark where it turns away at the hole and at the rim, lit in between.
  ctx.save();
  ctx.scale(1, shading.outerRy);
  const inner = shading.holeRx;
  const tube = ctx.createRadialGradient(0, 0, inner, 0, 0, 1);
  tube.addColorStop(0, `rgba(0,0,0,${Math.min(0.9, 0.5 * k).toFixed(3)})`);
  tube.addColorStop(0.4, 'rgba(0,0,0,0)');
  tube.addColorStop(0.75, `rgba(0,0,0,${Math.min(0.9, 0.15 * k).toFixed(3)})`);
  tube.addColorStop(1, `rgba(0,0,0,${Math.min(0.9, 0.6 * k).toFixed(3)})`);
  ctx.fillStyle = tube;
  ctx.fillRect(-2, -2 / shading.outerRy, 4, 4 / shading.outerRy);
  ctx.restore();
  const [lx, ly] = lamp.direction;
  const side = ctx.createLinearGradient(lx * 0.8, ly * 0.6, -lx * 0.8, -ly * 0.6);
  side.addColorStop(0, `rgba(255,255,255,${(highlightAlpha(object.material) * 0.8 * lamp.highlight).toFixed(3)})`);
  side.addColorStop(0.45, 'rgba(255,255,255,0)');
  side.addColorStop(1, `rgba(0,0,0,${Math.min(0.9, 0.35 * k).toFixed(3)})`);
  ctx.fillStyle = side;
  ctx.fillRect(-2, -2, 4, 4);
  paintSpecular(ctx, lx * 0.62, ly * 0.42 - 0.02, object.material, lamp);
}

function paintFace(ctx: SKRSContext2D, face: Face, object: SceneObject, lamp: Lamp): void {
  const b = dot(face.normal, lamp.direction);
  ctx.fillStyle = shadeOverlay(b, lamp);
  ctx.fill(face.path);
  // A soft falloff down each face, as a studio light gives.
  const fall = ctx.createLinearGradient(0, face.top, 0, face.bottom);
  fall.addColorStop(0, 'rgba(255,255,255,0.06)');
  fall.addColorStop(1, `rgba(0,0,0,${(0.1 * lamp.shadow).toFixed(3)})`);
  ctx.fillStyle = fall;
  ctx.fill(face.path);
  if (object.material !== 'matte' && b > 0.6) {
    const gloss = ctx.createLinearGradient(0, face.top, 0, face.bottom);
    const alpha = (object.material === 'default' ? 0.1 : 0.28) * lamp.highlight;
    gloss.addColorStop(0, `rgba(255,255,255,${alpha.toFixed(3)})`);
    gloss.addColorStop(1, 'rgba(255,255,255,0)');
    ctx.fillStyle = gloss;
    ctx.fill(face.path);
  }
}

function paintPattern(ctx: SKRSContext2D, object: SceneObject, figure: Figure): void {
  const accent = object.accent ?? mixRgb(object.colour, [255, 255, 255], 0.7);
  ctx.fillStyle = cssRgb(accent);
  switch (object.pattern) {
    case 'none':
      return;
    case 'band':
      ctx.fillRect(-2, -0.18, 4, 0.36);
      return;
    case 'half':
      ctx.fillRect(-2, 0.05, 4, 2);
      return;
    case 'stripes':
      ctx.save();
      ctx.rotate(-0.6);
      for (const x of [-0.8, -0.1, 0.6]) ctx.fillRect(x, -2, 0.28, 4);
      ctx.restore();
      return;
    case 'beach':
      paintBeachSegments(ctx, accent);
      return;
    case 'tape':
      ctx.fillStyle = cssRgb(mixRgb(object.colour, [236, 218, 176], 0.65));
      ctx.fillRect(-0.08, -2, 0.16, 4);
      return;
    case 'meridians':
      paintMeridians(ctx, object.colour);
      return;
    case 'sprinkles':
      paintSprinkles(ctx, object, figure);
      return;
    case 'rims':
      ctx.strokeStyle = cssRgb(scaleRgb(object.colour, 0.55), 0.7);
      ctx.lineWidth = 0.04;
      for (const y of [-0.64, 0.66]) {
        ctx.beginPath();
        ctx.ellipse(0, y, 0.62, 0.19, 0, 0, Math.PI, false);
        ctx.stroke();
      }
      return;
  }
}

/** Six gores from pole to pole, every other one in the accent colour, the pole tipped a little. */
function paintBeachSegments(ctx: SKRSContext2D, accent: Rgb): void {
  ctx.save();
  ctx.rotate(0.35);
  ctx.fillStyle = cssRgb(accent);
  for (let segment = 1; segment < 6; segment += 2) {
    const from = -Math.PI / 2 + (segment * Math.PI) / 6;
    const to = from + Math.PI / 6;
    ctx.beginPath();
    for (let i = 0; i <= 16; i++) {
      const y = -1 + (2 * i) / 16;
      ctx.lineTo(Math.sin(from) * Math.sqrt(1 - y * y), y);
    }
    for (let i = 16; i >= 0; i--) {
      const y = -1 + (2 * i) / 16;
      ctx.lineTo(Math.sin(to) * Math.sqrt(1 - y * y), y);
    }
    ctx.closePath();
    ctx.fill();
  }
  ctx.restore();
}

function paintMeridians(ctx: SKRSContext2D, colour: Rgb): void {
  ctx.strokeStyle = cssRgb(scaleRgb(colour, 0.5), 0.6);
  ctx.lineWidth = 0.035;
  for (const rx of [0.36, 0.74]) {
    ctx.beginPath();
    ctx.ellipse(0, 0, rx, 1, 0, 0, Math.PI * 2);
    ctx.stroke();
  }
  for (const y of [-0.5, 0, 0.5]) {
    const half = Math.sqrt(1 - y * y);
    ctx.beginPath();
    ctx.moveTo(-half, y);
    ctx.lineTo(half, y);
    ctx.stroke();
  }
}

const SPRINKLE_COLOURS: readonly Rgb[] = [
  [250, 250, 250],
  [240, 60, 120],
  [60, 180, 240],
  [250, 210, 40],
  [120, 220, 90],
];

function paintSprinkles(ctx: SKRSContext2D, object: SceneObject, figure: Figure): void {
  const rng = new Rng(object.detailSeed);
  const hole = figure.shading.kind === 'torus' ? figure.shading.holeRx : 0.42;
  ctx.lineWidth = 0.05;
  ctx.lineCap = 'round';
  for (let i = 0; i < 30; i++) {
    const angle = rng.next() * Math.PI * 2;
    const radius = hole + 0.08 + rng.next() * (0.84 - hole);
    const x = Math.cos(angle) * radius;
    const y = Math.sin(angle) * radius * 0.6 - 0.03;
    const turn = rng.next() * Math.PI;
    ctx.strokeStyle = cssRgb(rng.pick(SPRINKLE_COLOURS));
    ctx.beginPath();
    ctx.moveTo(x - Math.cos(turn) * 0.05, y - Math.sin(turn) * 0.05);
    ctx.lineTo(x + Math.cos(turn) * 0.05, y + Math.sin(turn) * 0.05);
    ctx.stroke();
  }
}

function paintTexture(ctx: SKRSContext2D, scene: Scene, texture: Scene['textures'][number]): void {
  const rng = new Rng(texture.seed);
  const unit = Math.min(scene.width, scene.height);
  const ink = cssRgb(texture.colour, texture.alpha);
  switch (texture.kind) {
    case 'tint':
      ctx.fillStyle = cssRgb(texture.colour, texture.alpha * 0.6);
      ctx.fillRect(0, 0, scene.width, scene.height);
      return;
    case 'grain':
      ctx.fillStyle = ink;
      for (let i = 0; i < 90; i++) {
        ctx.beginPath();
        ctx.arc(rng.next() * scene.width, rng.next() * scene.height, unit * (0.003 + rng.next() * 0.004), 0, Math.PI * 2);
        ctx.fill();
      }
      return;
    case 'lines': {
      ctx.strokeStyle = ink;
      ctx.lineWidth = unit * 0.006;
      const angle = rng.next() * Math.PI;
      const dx = Math.cos(angle) * unit * 2;
      const dy = Math.sin(angle) * unit * 2;
      for (let i = 0; i < 7; i++) {
        const x = rng.next() * scene.width;
        const y = rng.next() * scene.height;
        ctx.beginPath();
        ctx.moveTo(x - dx, y - dy);
        ctx.lineTo(x + dx, y + dy);
        ctx.stroke();
      }
      return;
    }
  }
}
