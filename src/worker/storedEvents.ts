/**
 * The engine's progress events as `run_events` rows: `type` plus a JSON
 * payload. Image bytes never go into the database: an image travels as the
 * sha256 of its bytes (the blob store holds them), so a follower (the bot)
 * can load it with `readImage`.
 */
import type { JsonValue } from '../db/schema.js';
import type { PipelineEvent } from '../engine/optimize.js';

export interface StoredEvent {
  type: PipelineEvent['type'];
  payload: JsonValue;
}

/** Events are plain data once the bytes are gone; interfaces just cannot say so. */
function asJson(value: unknown): JsonValue {
  return value as JsonValue;
}

/** `shaOf` keeps the image (the recorder stores it) and returns its sha256. */
export function toStoredEvent(event: PipelineEvent, shaOf: (bytes: Uint8Array) => string): StoredEvent {
  switch (event.type) {
    case 'image-generated': {
      const { type, image, ...rest } = event;
      return { type, payload: asJson({ ...rest, imageSha: shaOf(image) }) };
    }
    case 'prompt-space': {
      const { words, probabilities, captions } = event.promptSpace;
      return { type: event.type, payload: asJson({ words, probabilities, captions }) };
    }
    case 'baseline-finished': {
      const { method, prompt, evaluation, generationsUsed, costUsd, note } = event.result;
      return {
        type: event.type,
        payload: asJson({
          method,
          prompt,
          meanSimilarity: evaluation.mean,
          sdSimilarity: evaluation.sd,
          similarities: evaluation.similarities,
          imageShas: evaluation.images.map((image) => shaOf(image.image.bytes)),
          generationsUsed,
          costUsd,
          note: note ?? null,
        }),
      };
    }
    default: {
      const { type, ...rest } = event;
      return { type, payload: asJson(rest) };
    }
  }
}
