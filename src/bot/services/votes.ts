/**
 * Votes on the machine's images, from buttons or (as a fallback) reactions:
 * one vote per player per image, changeable, stored; the worker's
 * human-feedback source reads them as the human score (mean in [0, 1]).
 * A player's first vote on an image earns a point, once (ledger dedupe key).
 */
import {
  awardPoints,
  castVote,
  type Database,
  getImage,
  getVote,
  isSha256Hex,
  removeVote,
  upsertGuild,
  upsertPlayer,
  voteSummaryForImage,
} from '../../db/index.js';
import { UserFacingError } from '../interactions/errors.js';

/** Button values in custom ids (`vote:<imageSha>:<value>`) and the score each stands for. */
export const VOTE_VALUES = { up: 1, down: 0 } as const;
export type VoteValue = keyof typeof VOTE_VALUES;

/** Points for a player's first vote on an image. */
export const POINTS_PER_VOTE = 1;

export function isVoteValue(value: string): value is VoteValue {
  return value === 'up' || value === 'down';
}

export interface VoteRequest {
  readonly player: { readonly id: string; readonly displayName: string };
  readonly guild: { readonly id: string; readonly name: string };
  readonly imageSha: string;
  readonly value: VoteValue;
  readonly challengeId?: number | null;
  readonly runId?: number | null;
}

export interface VoteOutcome {
  /** First vote of this player on this image (else: changed or repeated). */
  readonly created: boolean;
  readonly pointsAwarded: number;
  /** The image's standing after the vote. */
  readonly summary: { readonly mean: number | null; readonly count: number };
}

export async function recordVote(db: Database, request: VoteRequest): Promise<VoteOutcome> {
  if (!isSha256Hex(request.imageSha)) throw new UserFacingError('This vote button is not valid any more.');
  if ((await getImage(db, request.imageSha)) === undefined) throw new UserFacingError('That image is no longer stored, so it cannot be voted on.');
  // Foreign keys: the voter and the guild of the ledger row must exist.
  await upsertPlayer(db, request.player);
  await upsertGuild(db, request.guild);
  const { created } = await castVote(db, {
    playerId: request.player.id,
    imageSha: request.imageSha,
    score: VOTE_VALUES[request.value],
    challengeId: request.challengeId ?? null,
    runId: request.runId ?? null,
  });
  let pointsAwarded = 0;
  if (created) {
    const awarded = await awardPoints(db, {
      playerId: request.player.id,
      amount: POINTS_PER_VOTE,
      reason: 'vote',
      guildId: request.guild.id,
      challengeId: request.challengeId ?? null,
      dedupeKey: `vote:${request.player.id}:${request.imageSha}`,
    });
    if (awarded) pointsAwarded = POINTS_PER_VOTE;
  }
  return { created, pointsAwarded, summary: await voteSummaryForImage(db, request.imageSha) };
}

/**
 * A reaction taken back: withdraw the vote only if it is still the one the
 * reaction cast (a later button vote stays). Points once earned are kept.
 */
export async function withdrawReactionVote(db: Database, who: { playerId: string; imageSha: string; value: VoteValue }): Promise<boolean> {
  const vote = await getVote(db, { playerId: who.playerId, imageSha: who.imageSha });
  if (vote === undefined || vote.score !== VOTE_VALUES[who.value]) return false;
  return removeVote(db, { playerId: who.playerId, imageSha: who.imageSha });
}
