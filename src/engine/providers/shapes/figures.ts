/**
 * Geometry of each shape class in unit coordinates: centre (0, 0), half-size 1,
 * y pointing down, z towards the viewer. Faceted solids (cube, pyramid, star)
 * carry their visible faces with normals so the painter can shade them from
 * the scene's light; curved ones say how to lay a radial or lathe shading.
 */
import { Path2D } from '@napi-rs/canvas';
import type { SceneObject } from './scene.js';

export type Vec3 = readonly [number, number, number];

export interface Face {
  path: Path2D;
  /** Unit normal, screen axes (x right, y down, z to the viewer). */
  normal: Vec3;
  /** Top-most and bottom-most y of the face, for its soft gradient. */
  top: number;
  bottom: number;
}

export type Shading =
  | { kind: 'radial'; cx: number; cy: number; radius: number }
  | { kind: 'lathe'; halfWidth: number; tilt: number; cap: Face | null }
  | { kind: 'torus'; holeRx: number; holeRy: number; outerRy: number }
  | { kind: 'faceted' }
  | { kind: 'none' };

export interface Figure {
  silhouette: Path2D;
  evenOdd: boolean;
  faces: Face[];
  /** Lines a drawing of the solid would show inside its silhouette. */
  innerEdges: Path2D | null;
  shading: Shading;
  /** Lowest y and half-width at the base, for the ground shadow. */
  bottom: number;
  baseHalfWidth: number;
}

function polygon(points: readonly (readonly [number, number])[]): Path2D {
  const path = new Path2D();
  points.forEach(([x, y], i) => {
    if (i === 0) path.moveTo(x, y);
    else path.lineTo(x, y);
  });
  path.closePath();
  return path;
}

function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function faceFrom(points: readonly Vec3[], centroid: Vec3): Face {
  const [p0, p1, p2] = points as [Vec3, Vec3, Vec3];
  let normal = normalise(cross([p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]], [p2[0] - p0[0], p2[1] - p0[1], p2[2] - p0[2]]));
  const mid = points.reduce<Vec3>((s, p) => [s[0] + p[0] / points.length, s[1] + p[1] / points.length, s[2] + p[2] / points.length], [0, 0, 0]);
  const outward = (mid[0] - centroid[0]) * normal[0] + (mid[1] - centroid[1]) * normal[1] + (mid[2] - centroid[2]) * normal[2];
  if (outward < 0) normal = [-normal[0], -normal[1], -normal[2]];
  const ys = points.map((p) => p[1]);
  return { path: polygon(points.map((p) => [p[0], p[1]] as const)), normal, top: Math.min(...ys), bottom: Math.max(...ys) };
}

/**
 * Rotate a solid about the vertical axis (yaw), tip its top towards the viewer
 * (pitch), project orthographically, scale it to fit the unit square, keep the
 * faces that face the viewer.
 */
function solid(vertices: readonly Vec3[], faces: readonly (readonly number[])[], yaw: number, pitch: number): Figure {
  const cy = Math.cos(yaw);
  const sy = Math.sin(yaw);
  const cp = Math.cos(pitch);
  const sp = Math.sin(pitch);
  // Input: x right, y up, z to viewer. Output: screen axes (y down).
  let projected: Vec3[] = vertices.map(([x, y, z]) => {
    const x1 = x * cy + z * sy;
    const z1 = -x * sy + z * cy;
    const y2 = y * cp - z1 * sp;
    const z2 = y * sp + z1 * cp;
    return [x1, -y2, z2];
  });
  const minY = Math.min(...projected.map((p) => p[1]));
  const maxY = Math.max(...projected.map((p) => p[1]));
  const extent = Math.max(...projected.map((p) => Math.abs(p[0])), (maxY - minY) / 2);
  const shiftY = (minY + maxY) / 2;
  projected = projected.map(([x, y, z]) => [x / extent, (y - shiftY) / extent, z / extent]);
  const centroid = projected.reduce<Vec3>(
    (s, p) => [s[0] + p[0] / projected.length, s[1] + p[1] / projected.length, s[2] + p[2] / projected.length],
    [0, 0, 0],
  );
  const visible: Face[] = [];
  for (const indices of faces) {
    const face = faceFrom(
      indices.map((i) => projected[i] as Vec3),
      centroid,
    );
    if (face.normal[2] > 0.02) visible.push(face);
  }
  const silhouette = new Path2D();
  for (const face of visible) silhouette.addPath(face.path);
  const edges = new Path2D();
  for (const face of visible) edges.addPath(face.path);
  // The ground shadow sits under the base (the vertices lowest in the solid's own frame).
  const lowest = Math.min(...vertices.map((v) => v[1]));
  const base = projected.filter((_, i) => (vertices[i] as Vec3)[1] === lowest);
  return {
    silhouette: silhouette.simplify(),
    evenOdd: false,
    faces: visible,
    innerEdges: edges,
    shading: { kind: 'faceted' },
    bottom: base.reduce((s, p) => s + p[1], 0) / base.length,
    baseHalfWidth: Math.max(...base.map((p) => Math.abs(p[0]))) * 0.9,
  };
}

function cube(object: SceneObject): Figure {
  const v: Vec3[] = [];
  for (const x of [-1, 1]) for (const y of [-1, 1]) for (const z of [-1, 1]) v.push([x, y, z]);
  // Index = (x>0)*4 + (y>0)*2 + (z>0).
  const faces = [
    [0, 1, 3, 2], // x = -1
    [4, 6, 7, 5], // x = +1
    [0, 4, 5, 1], // y = -1
    [2, 3, 7, 6], // y = +1
    [0, 2, 6, 4], // z = -1
    [1, 5, 7, 3], // z = +1
  ];
  return solid(v, faces, Math.PI / 4 + object.turn * 0.5, 0.5);
}

function pyramid(object: SceneObject): Figure {
  const v: Vec3[] = [
    [-1, -0.7, -1],
    [1, -0.7, -1],
    [1, -0.7, 1],
    [-1, -0.7, 1],
    [0, 1.15, 0],
  ];
  const faces = [
    [0, 1, 2, 3],
    [0, 1, 4],
    [1, 2, 4],
    [2, 3, 4],
    [3, 0, 4],
  ];
  return solid(v, faces, Math.PI / 4 + object.turn * 0.7, 0.28);
}

function flatPolygon(points: readonly (readonly [number, number])[]): Figure {
  return {
    silhouette: polygon(points),
    evenOdd: false,
    faces: [],
    innerEdges: null,
    shading: { kind: 'none' },
    bottom: Math.max(...points.map((p) => p[1])),
    baseHalfWidth: 0.9,
  };
}

function circle(radius: number): Path2D {
  const path = new Path2D();
  path.arc(0, 0, radius, 0, Math.PI * 2);
  path.closePath();
  return path;
}

function sphere(object: SceneObject): Figure {
  return {
    silhouette: circle(1),
    evenOdd: false,
    faces: [],
    innerEdges: null,
    shading: object.flat ? { kind: 'none' } : { kind: 'radial', cx: 0, cy: 0, radius: 1 },
    bottom: 1,
    baseHalfWidth: 0.85,
  };
}

function egg(object: SceneObject): Figure {
  // Egg: wider below the middle; "oval" is the symmetric ellipse.
  const k = object.variant === 'oval' ? 0 : 0.13;
  const halfWidth = 0.74;
  const points: [number, number][] = [];
  for (let i = 0; i < 64; i++) {
    const t = (i / 64) * Math.PI * 2;
    points.push([halfWidth * Math.cos(t) * (1 + k * Math.sin(t)), Math.sin(t)]);
  }
  return {
    silhouette: polygon(points),
    evenOdd: false,
    faces: [],
    innerEdges: null,
    shading: { kind: 'radial', cx: 0, cy: 0.08, radius: 1 },
    bottom: 1,
    baseHalfWidth: 0.55,
  };
}

function cone(): Figure {
  const rx = 0.8;
  const baseY = 0.74;
  const ry = 0.22;
  const silhouette = new Path2D();
  silhouette.moveTo(0, -1);
  silhouette.lineTo(-rx, baseY);
  silhouette.ellipse(0, baseY, rx, ry, 0, Math.PI, 0, true);
  silhouette.closePath();
  const edges = new Path2D();
  edges.ellipse(0, baseY, rx, ry, 0, 0, Math.PI, false);
  return {
    silhouette,
    evenOdd: false,
    faces: [],
    innerEdges: edges,
    shading: { kind: 'lathe', halfWidth: rx, tilt: 0.45, cap: null },
    bottom: baseY + ry,
    baseHalfWidth: rx,
  };
}

function cylinder(): Figure {
  const rx = 0.62;
  const ry = 0.19;
  const topY = -0.8;
  const bottomY = 0.8;
  const silhouette = new Path2D();
  silhouette.moveTo(-rx, topY);
  silhouette.lineTo(-rx, bottomY);
  silhouette.ellipse(0, bottomY, rx, ry, 0, Math.PI, 0, true);
  silhouette.lineTo(rx, topY);
  silhouette.ellipse(0, topY, rx, ry, 0, 0, Math.PI, true);
  silhouette.closePath();
  const capPath = new Path2D();
  capPath.ellipse(0, topY, rx, ry, 0, 0, Math.PI * 2);
  const cap: Face = { path: capPath, normal: normalise([0, -1, 0.35]), top: topY - ry, bottom: topY + ry };
  return {
    silhouette,
    evenOdd: false,
    faces: [],
    innerEdges: capPath,
    shading: { kind: 'lathe', halfWidth: rx, tilt: 0, cap },
    bottom: bottomY + ry,
    baseHalfWidth: rx,
  };
}

function torus(object: SceneObject): Figure {
  const outerRy = 0.6;
  const thin = object.variant === 'ring';
  const holeRx = thin ? 0.66 : 0.42;
  const holeRy = thin ? 0.32 : 0.17;
  const silhouette = new Path2D();
  silhouette.ellipse(0, 0, 1, outerRy, 0, 0, Math.PI * 2);
  silhouette.closePath();
  silhouette.moveTo(holeRx, -0.04);
  silhouette.ellipse(0, -0.04, holeRx, holeRy, 0, 0, Math.PI * 2);
  silhouette.closePath();
  const hole = new Path2D();
  hole.ellipse(0, -0.04, holeRx, holeRy, 0, 0, Math.PI * 2);
  return {
    silhouette,
    evenOdd: true,
    faces: [],
    innerEdges: hole,
    shading: object.flat ? { kind: 'none' } : { kind: 'torus', holeRx, holeRy, outerRy },
    bottom: outerRy,
    baseHalfWidth: 0.9,
  };
}

function star(): Figure {
  const points: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    const radius = i % 2 === 0 ? 1 : 0.44;
    points.push([radius * Math.cos(angle), radius * Math.sin(angle) + 0.08]);
  }
  // A bevelled star: the centre stands out towards the viewer.
  const apex: Vec3 = [0, 0.08, 0.42];
  const faces: Face[] = points.map((p, i) => {
    const q = points[(i + 1) % points.length] as [number, number];
    return faceFrom([apex, [p[0], p[1], 0], [q[0], q[1], 0]], [0, 0.08, -1]);
  });
  return {
    silhouette: polygon(points),
    evenOdd: false,
    faces,
    innerEdges: null,
    shading: { kind: 'faceted' },
    bottom: 0.9,
    baseHalfWidth: 0.7,
  };
}

function heart(): Figure {
  const path = new Path2D();
  path.moveTo(0, 0.95);
  path.bezierCurveTo(-0.2, 0.72, -1, 0.3, -1, -0.28);
  path.bezierCurveTo(-1, -0.82, -0.32, -1.06, 0, -0.58);
  path.bezierCurveTo(0.32, -1.06, 1, -0.82, 1, -0.28);
  path.bezierCurveTo(1, 0.3, 0.2, 0.72, 0, 0.95);
  path.closePath();
  return {
    silhouette: path,
    evenOdd: false,
    faces: [],
    innerEdges: null,
    shading: { kind: 'radial', cx: -0.05, cy: -0.15, radius: 1.05 },
    bottom: 0.95,
    baseHalfWidth: 0.3,
  };
}

/** The figure for an object; `flat` objects (circle, square, triangle) are 2-D whatever the style. */
export function figureFor(object: SceneObject): Figure {
  switch (object.shape) {
    case 'sphere':
      return sphere(object);
    case 'cube':
      return object.flat
        ? flatPolygon([
            [-0.85, -0.85],
            [0.85, -0.85],
            [0.85, 0.85],
            [-0.85, 0.85],
          ])
        : cube(object);
    case 'pyramid':
      return object.flat
        ? flatPolygon([
            [0, -0.95],
            [1, 0.78],
            [-1, 0.78],
          ])
        : pyramid(object);
    case 'cone':
      return cone();
    case 'cylinder':
      return cylinder();
    case 'torus':
      return torus(object);
    case 'star':
      return star();
    case 'heart':
      return heart();
    case 'egg':
      return egg(object);
  }
}
