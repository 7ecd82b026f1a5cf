/**
 * Votes as reward: a challenge with λ = 0.5, a run whose trainer waits for
 * votes on each image; a 👍 button and a 1️⃣–4️⃣ reaction cast in the thread
 * reach the rewards the trainer uses, images nobody voted on keep their
 * similarity alone, votes are changeable and the first one earns a point.
 */
import type { APIUser } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, listRunEventsSince, listSteps, playerPoints, voteSummaryForImage } from '../../../src/db/index.js';
import { createWorld, eventually, gridShas, runMessages, type StartedBot, TINY_RUNS, type World } from './world.js';

let world: World;
let bot: StartedBot;
const reactionVotes: Array<{ userId: string; imageSha: string; change: string }> = [];

beforeAll(async () => {
  world = await createWorld();
  bot = await world.startBot({
    training: { ...TINY_RUNS, voteWindowMs: 4000, overrides: { ...TINY_RUNS.overrides, iterations: 2 } },
    onReactionVote: (vote) => reactionVotes.push(vote),
  });
});

afterAll(async () => {
  await world?.close();
});

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

describe('votes', () => {
  it('button and reaction votes reach the reward; unvoted images keep similarity alone; votes change and earn a point once', async () => {
    const { fake } = world;
    const alice: APIUser = fake.createUser('alice');
    const bob: APIUser = fake.createUser('bob');
    const { challenge, threadId } = await world.createChallenge({ voteWeight: 0.5, title: 'votes count' });
    const reply = await fake.sendCommand({ name: 'train', channelId: threadId, user: alice }).reply(10_000);
    const runId = Number(/Run #(\d+)/.exec(reply.content)?.[1]);
    expect((await getRun(world.handle.db, runId))?.hyperparameters.humanFeedbackWeight).toBe(0.5);

    const grid = await fake.waitFor(() => runMessages(fake, threadId, 'grid', runId).find((message) => gridShas(message).length >= 2), 60_000, 'a grid of two images or more');
    const [first, second] = gridShas(grid) as [string, string];

    // A button vote, answered privately; a second click changes nothing and earns nothing.
    const click = await fake.clickButton(grid.id, `vote:${first}:up`, alice).reply(10_000);
    expect(click.ephemeral).toBe(true);
    expect(click.content).toBe('You voted 👍 on image 1 (1 vote so far; you can change it any time). +1 point.');
    // A reaction as the fallback: 2️⃣ up-votes the grid's second image.
    await fake.react(grid.id, '2️⃣', bob);
    await eventually(() => reactionVotes.find((vote) => vote.userId === bob.id && vote.imageSha === second), 10_000, 'the reaction vote');

    const finished = await eventually(async () => {
      const run = await getRun(world.handle.db, runId);
      return run?.status === 'completed' ? run : undefined;
    }, 60_000, 'the run to complete');
    expect(finished.status).toBe('completed');

    // Stored steps: the voted images were rewarded (1 − λ)·similarity + λ·1; the rest by similarity alone.
    const steps = (await listSteps(world.handle.db, runId)).filter((step) => step.imageSha !== null);
    const voted = steps.filter((step) => step.imageSha === first || step.imageSha === second);
    const unvoted = steps.filter((step) => step.imageSha !== first && step.imageSha !== second);
    expect(voted.length).toBeGreaterThanOrEqual(2);
    expect(voted.filter((step) => step.humanScore === 1).map((step) => step.imageSha)).toEqual(expect.arrayContaining([first, second]));
    for (const step of voted.filter((step) => step.humanScore !== null)) expect(close(step.reward!, 0.5 * step.similarity! + 0.5)).toBe(true);
    expect(unvoted.length).toBeGreaterThan(0);
    for (const step of unvoted) {
      expect(step.humanScore).toBeNull();
      expect(close(step.reward!, step.similarity!)).toBe(true);
    }
    // The trainer's own events say the same.
    const rewarded = (await listRunEventsSince(world.handle.db, runId, 0, 10_000))
      .filter((event) => event.type === 'step-rewarded')
      .map((event) => event.payload as { humanScore: number | null; similarity: number; reward: number });
    const withVotes = rewarded.filter((event) => event.humanScore === 1);
    expect(withVotes.length).toBeGreaterThanOrEqual(2);
    for (const event of withVotes) expect(close(event.reward, 0.5 * event.similarity + 0.5)).toBe(true);

    // Changeable: alice turns her 👍 into 👎; still one vote, no second point.
    const change = await fake.clickButton(grid.id, `vote:${first}:down`, alice).reply(10_000);
    expect(change.content).toBe('Your vote is now 👎 on image 1 (1 vote so far; you can change it any time).');
    expect(await voteSummaryForImage(world.handle.db, first)).toEqual({ mean: 0, count: 1 });
    expect(await playerPoints(world.handle.db, alice.id, fake.guild.id)).toBe(1);
    expect(await playerPoints(world.handle.db, bob.id, fake.guild.id)).toBe(1);

    // Taking the reaction back withdraws bob's vote.
    await fake.unreact(grid.id, '2️⃣', bob);
    await eventually(() => reactionVotes.find((vote) => vote.userId === bob.id && vote.change === 'withdrawn'), 10_000, 'the withdrawal');
    expect(await voteSummaryForImage(world.handle.db, second)).toEqual({ mean: null, count: 0 });
    expect(challenge.id).toBeGreaterThan(0);
    expect(bot.logs.filter((line) => line.level === 'error')).toEqual([]);
  });
});
