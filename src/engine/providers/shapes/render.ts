/** Prompt + seed → a painted canvas: the whole "image model" of the shapes world, minus encoding. */
import { type Canvas, createCanvas } from '@napi-rs/canvas';
import { paintScene } from './painter.js';
import { parsePrompt } from './prompt-parser.js';
import { realiseScene, type Scene } from './scene.js';

export function sceneFor(prompt: string, seed: number, width: number, height: number): Scene {
  return realiseScene(parsePrompt(prompt), seed, width, height);
}

export function renderPrompt(prompt: string, seed: number, width: number, height: number): Canvas {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  paintScene(ctx, sceneFor(prompt, seed, width, height));
  return canvas;
}
