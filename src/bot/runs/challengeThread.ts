/**
 * The Discord side of following a run: the thread the run posts in, reduced
 * to the three things the follower does there (post, edit, read back), and
 * what reading back tells it — where the run's messages stopped.
 */
import type { APIActionRowComponent, APIButtonComponent, APIEmbed, Client, Message } from 'discord.js';
import { gridImageShas } from './gridMessage.js';
import { parseMarker } from './markers.js';

export interface OutgoingMessage {
  readonly content?: string;
  readonly embeds?: APIEmbed[];
  readonly components?: APIActionRowComponent<APIButtonComponent>[];
  readonly files?: readonly { readonly name: string; readonly attachment: Buffer; readonly description?: string }[];
  readonly allowedMentions: { readonly parse: [] };
}

export interface PostedMessage {
  readonly id: string;
  readonly content: string;
  /** Image shas of the message's vote buttons, in order. */
  readonly imageShas: readonly string[];
}

export interface ChallengeThread {
  readonly id: string;
  send(message: OutgoingMessage): Promise<string>;
  edit(messageId: string, message: OutgoingMessage): Promise<void>;
  /** The bot's own messages, newest first, page by page (a page may be empty when nothing but others' messages was in it). */
  botMessages(): AsyncIterable<readonly PostedMessage[]>;
}

/** What the thread already shows of a run. */
export interface ThreadLog {
  readonly statusMessageId: string | undefined;
  /** Highest event number covered by a posted grid (0: none). */
  readonly throughSeq: number;
  readonly postedShas: Set<string>;
  /** Images posted per iteration (for the per-iteration cap). */
  readonly imagesPerIteration: Map<number, number>;
  readonly summaryPosted: boolean;
}

const MAX_PAGES = 30;

/**
 * Reads the thread back (newest first) until the run's status message, the
 * first thing the bot posts for a run, or `MAX_PAGES` pages of 100.
 */
export async function readThreadLog(thread: ChallengeThread, runId: number): Promise<ThreadLog> {
  let statusMessageId: string | undefined;
  let throughSeq = 0;
  let summaryPosted = false;
  const postedShas = new Set<string>();
  const imagesPerIteration = new Map<number, number>();
  let pages = 0;
  for await (const page of thread.botMessages()) {
    for (const message of page) {
      const marker = parseMarker(message.content);
      if (marker === undefined || marker.runId !== runId) continue;
      if (marker.kind === 'summary') summaryPosted = true;
      if (marker.kind === 'grid') {
        throughSeq = Math.max(throughSeq, marker.throughSeq);
        for (const sha of message.imageShas) postedShas.add(sha);
        imagesPerIteration.set(marker.iteration, (imagesPerIteration.get(marker.iteration) ?? 0) + message.imageShas.length);
      }
      // Newest first: a second status message (should one exist) is older; the newest is the one kept up to date.
      if (marker.kind === 'status') statusMessageId ??= message.id;
    }
    if (statusMessageId !== undefined || ++pages >= MAX_PAGES) break;
  }
  return { statusMessageId, throughSeq, postedShas, imagesPerIteration, summaryPosted };
}

function posted(message: Message): PostedMessage {
  return { id: message.id, content: message.content, imageShas: gridImageShas(message.components) };
}

/** A thread through discord.js; `undefined` if the channel is gone or is not a thread the bot can post in. */
export async function discordChallengeThread(client: Client, threadId: string): Promise<ChallengeThread | undefined> {
  const channel = await client.channels.fetch(threadId).catch(() => null);
  if (channel === null || !channel.isThread()) return undefined;
  const botId = client.user?.id;
  return {
    id: channel.id,
    async send(message) {
      const sent = await channel.send({ ...message, files: message.files?.map((file) => ({ ...file })) });
      return sent.id;
    },
    async edit(messageId, message) {
      await channel.messages.edit(messageId, { ...message, files: message.files?.map((file) => ({ ...file })) });
    },
    async *botMessages() {
      let before: string | undefined;
      for (;;) {
        const batch = await channel.messages.fetch({ limit: 100, ...(before ? { before } : {}), cache: false });
        if (batch.size === 0) return;
        const newestFirst = [...batch.values()].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
        yield newestFirst.filter((message) => message.author.id === botId).map(posted);
        before = newestFirst.at(-1)?.id;
        if (batch.size < 100) return;
      }
    },
  };
}
