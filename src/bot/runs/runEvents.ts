/**
 * The stored run events the bot reads (as `src/worker/storedEvents.ts` writes
 * them), parsed at the boundary: only the fields the bot shows, checked, so
 * an event from another version is skipped rather than shown wrong.
 */
import { z } from 'zod';
import type { RunEvent } from '../../db/index.js';

const finiteOrNull = z.number().nullable();

const schemas = {
  'run-started': z.object({ startIteration: z.number().int(), hyperparameters: z.object({ iterations: z.number().int(), episodesPerIteration: z.number().int() }) }),
  'iteration-started': z.object({ iteration: z.number().int() }),
  'image-generated': z.object({
    iteration: z.number().int(),
    episode: z.number().int(),
    step: z.number().int(),
    prompt: z.string(),
    imageSha: z.string().regex(/^[0-9a-f]{64}$/),
    similarity: z.number(),
    cached: z.boolean(),
  }),
  'episode-finished': z.object({ iteration: z.number().int(), episode: z.number().int(), episodeReturn: finiteOrNull }),
  'iteration-finished': z.object({
    iteration: z.number().int(),
    meanReturn: finiteOrNull,
    meanFinalReward: finiteOrNull,
    greedyPrompt: z.string(),
    greedyReward: finiteOrNull,
    generationsUsed: z.number(),
    costUsd: z.number(),
  }),
  'best-so-far': z.object({ iteration: z.number().int(), prompt: z.string(), reward: z.number() }),
  finished: z.object({ reason: z.string(), prompt: z.string(), reward: finiteOrNull, iterations: z.number().int(), generationsUsed: z.number() }),
  phase: z.object({ phase: z.string() }),
  status: z.object({ status: z.string(), learnedPrompt: z.string().nullable(), learnedReward: finiteOrNull }),
} as const;

type Schemas = typeof schemas;
export type FollowedEventType = keyof Schemas;

/** A stored event the bot understands, with its number. */
export type FollowedEvent = {
  [Type in FollowedEventType]: { readonly seq: number; readonly type: Type } & z.infer<Schemas[Type]>;
}[FollowedEventType];

function isFollowedType(type: string): type is FollowedEventType {
  return Object.hasOwn(schemas, type);
}

/** The event, or `undefined` for types the bot does not show and payloads it cannot read. */
export function parseRunEvent(row: Pick<RunEvent, 'seq' | 'type' | 'payload'>): FollowedEvent | undefined {
  if (!isFollowedType(row.type)) return undefined;
  const parsed = schemas[row.type].safeParse(row.payload);
  if (!parsed.success) return undefined;
  // The schema was picked by `row.type`, so the pair is consistent.
  return { ...parsed.data, seq: row.seq, type: row.type } as FollowedEvent;
}
