/**
 * The reads behind `/profile` and reaction votes — a player's best prompts
 * and activity in one guild, the machine's best learned score per challenge,
 * awards by reason, one player's vote on an image — on PGlite and on
 * PostgreSQL. Imported through the index, as the bot does.
 */
import { describe, expect, it } from 'vitest';
import {
  awardPoints,
  castVote,
  countAwards,
  createChallenge,
  createRun,
  type Database,
  getVote,
  insertImageRows,
  learnedBestByChallenge,
  playerActivity,
  playerBestPrompts,
  recordRunEvaluation,
  recordSubmission,
  removeVote,
  sha256Hex,
  updateRunStatus,
  upsertGuild,
  upsertPlayer,
} from '../../src/db/index.js';
import type { ChallengeConfiguration, EvaluationMethod } from '../../src/db/schema.js';
import { PRESETS } from '../../src/engine/training/hyperparameters.js';
import { pngLikeBytes, TEST_BACKENDS, useTestDatabase } from '../support/db.js';

const CONFIGURATION: ChallengeConfiguration = { preset: 'efficient', promptLength: 2, words: 4, voteWeight: 0, evaluationImages: 4 };

async function imageRow(db: Database, label: string): Promise<string> {
  const bytes = pngLikeBytes(64, 64, label);
  const sha = sha256Hex(bytes);
  await insertImageRows(db, [{ sha256: sha, mime: 'image/png', width: 64, height: 64, byteSize: bytes.byteLength }]);
  return sha;
}

async function seedChallenge(db: Database, label: string, guildId: string) {
  await upsertGuild(db, { id: guildId, name: `Guild ${guildId}` });
  await upsertPlayer(db, { id: `owner-${label}`, displayName: 'Owner' });
  return createChallenge(db, {
    ownerId: `owner-${label}`,
    guildId,
    title: `Challenge ${label}`,
    configuration: CONFIGURATION,
    targetImageSha: await imageRow(db, `target-${label}`),
  });
}

async function guess(db: Database, playerId: string, challengeId: number, prompt: string, mean: number) {
  await recordSubmission(db, { playerId, challengeId, prompt, imageShas: [], meanSimilarity: mean, sdSimilarity: 0.01 });
}

async function evaluatedRun(db: Database, challengeId: number, status: 'completed' | 'failed', method: EvaluationMethod, mean: number) {
  const run = await createRun(db, { challengeId, targetImageSha: await imageRow(db, `run-${challengeId}-${status}-${method}-${mean}`), preset: 'efficient', hyperparameters: PRESETS.efficient });
  await recordRunEvaluation(db, { runId: run.id, method, prompt: `${method} ${mean}`, meanSimilarity: mean, sdSimilarity: 0.01, imageShas: [] });
  await updateRunStatus(db, run.id, status);
}

describe.each(TEST_BACKENDS)('profile reads on %s', (backend) => {
  const database = useTestDatabase(backend);

  it('best prompts and activity count only the player’s guesses in this guild', async () => {
    const { db } = database;
    const first = await seedChallenge(db, 'p1', 'profile-guild');
    const second = await seedChallenge(db, 'p2', 'profile-guild');
    const elsewhere = await seedChallenge(db, 'p3', 'profile-elsewhere');
    await upsertPlayer(db, { id: 'profile-player', displayName: 'Player' });
    await upsertPlayer(db, { id: 'profile-rival', displayName: 'Rival' });
    await guess(db, 'profile-player', first.id, 'blue square', 0.5);
    await guess(db, 'profile-player', first.id, 'red circle', 0.7);
    await guess(db, 'profile-player', second.id, 'green star', 0.6);
    await guess(db, 'profile-player', elsewhere.id, 'elsewhere', 0.9);
    await guess(db, 'profile-rival', second.id, 'rival', 0.95);

    const who = { playerId: 'profile-player', guildId: 'profile-guild' };
    expect(await playerBestPrompts(db, who)).toEqual([
      { challengeId: first.id, title: 'Challenge p1', prompt: 'red circle', mean: 0.7, sd: 0.01 },
      { challengeId: second.id, title: 'Challenge p2', prompt: 'green star', mean: 0.6, sd: 0.01 },
    ]);
    expect(await playerActivity(db, who)).toEqual({ guesses: 3, challenges: 2 });
    expect(await playerBestPrompts(db, { playerId: 'nobody', guildId: 'profile-guild' })).toEqual([]);
    expect(await playerActivity(db, { playerId: 'nobody', guildId: 'profile-guild' })).toEqual({ guesses: 0, challenges: 0 });
  });

  it('the machine’s best is its best learned prompt of a completed run', async () => {
    const { db } = database;
    const scored = await seedChallenge(db, 'm1', 'machine-guild');
    const unscored = await seedChallenge(db, 'm2', 'machine-guild');
    await evaluatedRun(db, scored.id, 'completed', 'learned', 0.4);
    await evaluatedRun(db, scored.id, 'completed', 'learned', 0.55);
    await evaluatedRun(db, scored.id, 'completed', 'greedy', 0.8);
    await evaluatedRun(db, scored.id, 'failed', 'learned', 0.9);
    await evaluatedRun(db, unscored.id, 'failed', 'learned', 0.3);

    expect(await learnedBestByChallenge(db, [scored.id, unscored.id])).toEqual(new Map([[scored.id, 0.55]]));
    expect(await learnedBestByChallenge(db, [])).toEqual(new Map());
  });

  it('awards are counted by player, guild and reason', async () => {
    const { db } = database;
    await upsertGuild(db, { id: 'award-here', name: 'Here' });
    await upsertGuild(db, { id: 'award-there', name: 'There' });
    await upsertPlayer(db, { id: 'award-player', displayName: 'Winner' });
    const award = (guildId: string, reason: 'best-prompt' | 'vote', key: string) =>
      awardPoints(db, { playerId: 'award-player', amount: 1, reason, guildId, dedupeKey: key });
    await award('award-here', 'best-prompt', 'bp-1');
    await award('award-here', 'best-prompt', 'bp-2');
    await award('award-here', 'best-prompt', 'bp-2');
    await award('award-there', 'best-prompt', 'bp-3');
    await award('award-here', 'vote', 'v-1');

    expect(await countAwards(db, { playerId: 'award-player', guildId: 'award-here', reason: 'best-prompt' })).toBe(2);
    expect(await countAwards(db, { playerId: 'award-player', guildId: 'award-here', reason: 'vote' })).toBe(1);
    expect(await countAwards(db, { playerId: 'award-player', guildId: 'award-there', reason: 'vote' })).toBe(0);
  });

  it('a player’s vote on an image reads back until it is withdrawn', async () => {
    const { db } = database;
    const image = await imageRow(db, 'voted-image');
    await upsertPlayer(db, { id: 'voter', displayName: 'Voter' });
    await castVote(db, { playerId: 'voter', imageSha: image, score: 1 });
    expect(await getVote(db, { playerId: 'voter', imageSha: image })).toMatchObject({ playerId: 'voter', imageSha: image, score: 1 });
    await castVote(db, { playerId: 'voter', imageSha: image, score: 0 });
    expect((await getVote(db, { playerId: 'voter', imageSha: image }))?.score).toBe(0);
    expect(await getVote(db, { playerId: 'someone-else', imageSha: image })).toBeUndefined();
    await removeVote(db, { playerId: 'voter', imageSha: image });
    expect(await getVote(db, { playerId: 'voter', imageSha: image })).toBeUndefined();
  });
});
