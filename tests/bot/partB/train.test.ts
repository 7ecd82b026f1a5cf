/**
 * `/train` end to end: a real discord.js client on the fake Discord, the run
 * executed by the bot's run thread on the embedded database, followed from
 * its stored events into the challenge thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, listRunEventsSince } from '../../../src/db/index.js';
import { createWorld, gridShas, isPng, runMessages, type StartedBot, type World } from './world.js';

let world: World;
let bot: StartedBot;

beforeAll(async () => {
  world = await createWorld();
  bot = await world.startBot();
});

afterAll(async () => {
  await world?.close();
});

interface EmbedBody {
  embeds?: Array<{ title?: string; description?: string }>;
}

describe('/train', () => {
  it('queues a run, edits one status message live, posts 2×2 grids with vote buttons, and ends with a summary and reward curve', async () => {
    const { fake } = world;
    const { threadId } = await world.createChallenge({ title: 'happy path' });
    // The first status edit meets a real 429; discord.js waits it out and retries.
    fake.rateLimitNext('PATCH /channels/:channel/messages/:message', 300);
    const rateLimits: unknown[] = [];
    bot.client.rest.on('rateLimited', (info) => rateLimits.push(info));

    const handle = fake.sendCommand({ name: 'train', channelId: threadId });
    expect((await handle.acknowledged).ms).toBeLessThan(3000);
    const reply = await handle.reply(10_000);
    expect(reply.ephemeral).toBe(false);
    const match = /^Run #(\d+) is queued \((next in line|starting now|\d+\w\w in line)\)/.exec(reply.content);
    expect(match, reply.content).not.toBeNull();
    const runId = Number(match![1]);

    const summary = await fake.waitFor(() => runMessages(fake, threadId, 'summary', runId)[0], 90_000, 'the run summary');
    const run = await getRun(world.handle.db, runId);
    expect(run?.status).toBe('completed');

    // Summary: learned prompt, its evaluation, humans vs machine, and the reward curve as a PNG.
    expect(summary.content).toContain(`Learned prompt: **“${run!.learnedPrompt}”**`);
    expect(summary.content).toMatch(/Evaluation: similarity \d\.\d{3} ± \d\.\d{3} on 2 fresh images/);
    expect(summary.content).toMatch(/Humans vs machine[\s\S]*🤖 the machine, learned \(REINFORCE\) \(this run\)/);
    expect(summary.files).toHaveLength(1);
    expect(summary.files[0]!.filename).toBe(`run-${runId}-reward-curve.png`);
    expect(isPng(summary.files[0]!.bytes)).toBe(true);

    // One status message, edited many times, from "training" to "finished".
    const statuses = runMessages(fake, threadId, 'status', runId);
    expect(statuses).toHaveLength(1);
    const status = statuses[0]!;
    expect(status.embeds[0]?.title).toBe(`Run #${runId} — finished`);
    expect(status.embeds[0]?.description).toContain('████████████████████ 100% · iteration 3/3');
    expect(status.embeds[0]?.description).toMatch(/Reward trend: `[▁▂▃▄▅▆▇█]{3}` [↗↘→]/);
    const edits = fake.requests.filter((request) => request.method === 'PATCH' && request.path === `/channels/${threadId}/messages/${status.id}`);
    const titles = edits.filter((edit) => !edit.rateLimited).map((edit) => (edit.json as EmbedBody).embeds?.[0]?.title ?? '');
    expect(titles.length).toBeGreaterThanOrEqual(3);
    expect(titles.some((title) => title.endsWith('— training'))).toBe(true);
    const midRun = edits.map((edit) => (edit.json as EmbedBody).embeds?.[0]?.description ?? '').find((text) => /Best prompt so far/.test(text) && !text.includes('100%'));
    expect(midRun, 'a status written mid-run with the best prompt so far').toBeDefined();

    // The injected 429 was met and retried; the status still reached its end.
    expect(edits.filter((edit) => edit.rateLimited)).toHaveLength(1);
    expect(rateLimits.length).toBeGreaterThanOrEqual(1);

    // Grids: each image once, ≤ 4 per picture, 👍/👎 per image, exactly the run's distinct images.
    const grids = runMessages(fake, threadId, 'grid', runId);
    expect(grids.length).toBeGreaterThanOrEqual(2);
    const posted = grids.flatMap(gridShas);
    expect(new Set(posted).size).toBe(posted.length);
    for (const grid of grids) {
      const shas = gridShas(grid);
      expect(shas.length).toBeGreaterThanOrEqual(1);
      expect(shas.length).toBeLessThanOrEqual(4);
      expect(grid.customIds()).toEqual(shas.flatMap((sha) => [`vote:${sha}:up`, `vote:${sha}:down`]));
      expect(grid.files).toHaveLength(1);
      expect(isPng(grid.files[0]!.bytes)).toBe(true);
    }
    const events = await listRunEventsSince(world.handle.db, runId, 0, 10_000);
    const generated = new Set(events.filter((event) => event.type === 'image-generated').map((event) => (event.payload as { imageSha: string }).imageSha));
    expect(new Set(posted)).toEqual(generated);

    // Nothing the bot wrote here could ping anyone; nothing failed.
    const writes = fake.messageWrites.filter((write) => write.channelId === threadId);
    expect(writes.every((write) => write.allowedMentions?.parse?.length === 0)).toBe(true);
    expect(bot.logs.filter((line) => line.level === 'error')).toEqual([]);
    expect(fake.faults).toEqual([]);
    expect(fake.unhandledRequests()).toEqual([]);
  });
});
