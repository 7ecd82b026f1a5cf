/**
 * Fairness and `/stop`: the FIFO queue with each user's position, the caps on
 * runs per user and per guild, the daily quota and the spending cap (each
 * refusal private, saying when to try again), and stopping a queued and a
 * running run.
 */
import type { APIUser } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfNextUtcDay, startOfNextUtcMonth } from '../../../src/bot/services/fairness.js';
import { getRun } from '../../../src/db/index.js';
import type { InteractionHandle } from '../../support/fakeDiscord/index.js';
import { createWorld, eventually, runMessages, type StartedBot, TINY_RUNS, type World } from './world.js';

let world: World;
let bot: StartedBot;
let owner: APIUser;
let alice: APIUser;
let bob: APIUser;
let carol: APIUser;

beforeAll(async () => {
  world = await createWorld();
  owner = world.fake.createUser('owner');
  alice = world.fake.createUser('alice');
  bob = world.fake.createUser('bob');
  carol = world.fake.createUser('carol');
  // No run threads: runs stay queued, so positions and caps are exact.
  bot = await world.startBot({ runThreads: 0 });
});

afterAll(async () => {
  await world?.close();
});

async function answer(handle: InteractionHandle): Promise<{ content: string; ephemeral: boolean }> {
  const message = await handle.reply(10_000);
  return { content: message.content, ephemeral: message.ephemeral };
}

const runIdOf = (content: string): number => Number(/Run #(\d+)/.exec(content)?.[1]);

describe('fairness', () => {
  it('shows queue positions, refuses over-cap and over-quota runs privately with when to retry, and /stop cancels a queued run', async () => {
    const { fake } = world;
    const { threadId } = await world.createChallenge({ owner, title: 'limits' });
    const train = (user: APIUser) => fake.sendCommand({ name: 'train', channelId: threadId, user });

    const first = await answer(train(alice));
    expect(first).toEqual({ content: expect.stringMatching(/^Run #\d+ is queued \(next in line\)/), ephemeral: false });
    const second = await answer(train(bob));
    expect(second.content).toMatch(/^Run #\d+ is queued \(2nd in line\)/);
    const aliceRun = runIdOf(first.content);
    const bobRun = runIdOf(second.content);

    // The status message of a queued run shows its place too.
    const bobStatus = await fake.waitFor(() => runMessages(fake, threadId, 'status', bobRun).find((message) => message.embeds[0]?.title?.includes('2nd in line')), 10_000, 'bob’s queued status');
    expect(bobStatus.embeds[0]?.title).toBe(`Run #${bobRun} — queued — 2nd in line`);

    // A second run of the same user: refused privately, with what to do.
    const again = await answer(train(alice));
    expect(again.ephemeral).toBe(true);
    expect(again.content).toBe(`You already have 1 run queued or running (#${aliceRun}; the limit is 1 at a time). Try again when it finishes, or stop it with /stop.`);

    // The guild cap.
    await world.setGuildSettings({ quotas: { concurrentRunsPerGuild: 2 } });
    const overGuild = await answer(train(carol));
    expect(overGuild).toEqual({ ephemeral: true, content: 'This server already has 2 runs queued or running (the limit is 2). Try again when one of them finishes.' });

    // /stop: not carol's run nor her challenge; bob may stop his own, still queued, at once.
    const denied = await answer(fake.sendCommand({ name: 'stop', channelId: threadId, user: carol }));
    expect(denied).toEqual({ ephemeral: true, content: `Only whoever started run #${bobRun}, the challenge’s owner or a moderator can stop it.` });
    const stopped = await answer(fake.sendCommand({ name: 'stop', channelId: threadId, user: bob }));
    expect(stopped).toEqual({ ephemeral: false, content: `Stopping run #${bobRun}: it was still queued, so it will not start.` });
    expect((await getRun(world.handle.db, bobRun))?.status).toBe('cancelled');
    await fake.waitFor(() => runMessages(fake, threadId, 'status', bobRun).find((message) => message.embeds[0]?.title === `Run #${bobRun} — stopped`), 10_000, 'bob’s status to say stopped');

    // The daily quota: bob's cancelled run counted; the retry time is the next UTC midnight.
    await world.setGuildSettings({ quotas: { runsPerUserPerDay: 1 } });
    const overQuota = await answer(train(bob));
    expect(overQuota.ephemeral).toBe(true);
    const midnight = Math.floor(startOfNextUtcDay(new Date()).getTime() / 1000);
    expect(overQuota.content).toBe(`You have used your 1 run for today. Try again <t:${midnight}:R>.`);

    // The monthly spending cap, once reached, holds until the first of next month.
    await world.setGuildSettings({ quotas: { runsPerUserPerDay: 5 }, spendingCapUsd: 0 });
    const overCap = await answer(train(carol));
    const month = Math.floor(startOfNextUtcMonth(new Date()).getTime() / 1000);
    expect(overCap).toEqual({ ephemeral: true, content: `This server has spent $0.00 of its $0.00 monthly cap. Try again <t:${month}:R>, or ask an administrator to raise the cap with /settings.` });

    // The challenge's owner may stop anyone's run in it.
    const ownerStop = await answer(fake.sendCommand({ name: 'stop', channelId: threadId, user: owner }));
    expect(ownerStop.content).toBe(`Stopping run #${aliceRun}: it was still queued, so it will not start.`);
    await world.setGuildSettings({ spendingCapUsd: 5, quotas: { concurrentRunsPerGuild: 3 } });
    expect(bot.logs.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('/stop stops a running run within an episode, and its status says so', async () => {
    const { fake } = world;
    await bot.stop();
    bot = await world.startBot({ training: { ...TINY_RUNS, overrides: { ...TINY_RUNS.overrides, iterations: 200 } } });
    const { threadId } = await world.createChallenge({ owner, title: 'long run' });
    const started = await answer(fake.sendCommand({ name: 'train', channelId: threadId, user: alice }));
    const runId = runIdOf(started.content);
    await fake.waitFor(() => runMessages(fake, threadId, 'grid', runId)[0], 60_000, 'the first grid');

    const moderator = fake.createUser('moderator');
    const stopAt = Date.now();
    const reply = await answer(fake.sendCommand({ name: 'stop', channelId: threadId, user: moderator, roles: [fake.guild.moderatorRoleId] }));
    expect(reply).toEqual({ ephemeral: false, content: `Stopping run #${runId}: it stops within one episode.` });
    const run = await eventually(async () => {
      const current = await getRun(world.handle.db, runId);
      return current?.status === 'cancelled' ? current : undefined;
    }, 15_000, 'the run to be cancelled');
    expect(run.finishedAt!.getTime() - stopAt).toBeLessThan(5000);
    expect(run.iteration).toBeLessThan(200);

    const status = await fake.waitFor(
      () => runMessages(fake, threadId, 'status', runId).find((message) => message.embeds[0]?.title === `Run #${runId} — stopped`),
      15_000,
      'the status to say stopped',
    );
    expect(status.embeds[0]?.description).toContain('Stopped on request (/stop).');
    const summary = await fake.waitFor(() => runMessages(fake, threadId, 'summary', runId)[0], 15_000, 'the summary of the stopped run');
    expect(summary.content).toContain(`**Run #${runId} was stopped.**`);
    expect(bot.logs.filter((line) => line.level === 'error')).toEqual([]);
  });
});
