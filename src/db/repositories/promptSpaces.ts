/** Prompt spaces: the words (and their probabilities) a captioner suggested for a target image. */
import { desc, eq } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type PromptSpace, promptSpaces } from '../schema.js';

export interface NewPromptSpaceInput {
  challengeId?: number | null;
  targetImageSha: string;
  words: string[];
  probabilities: number[];
  captions: string[];
  captionerId: string;
}

export async function savePromptSpace(db: Database, input: NewPromptSpaceInput): Promise<PromptSpace> {
  if (input.words.length !== input.probabilities.length) {
    throw new RangeError(`A prompt space needs one probability per word (${input.words.length} words, ${input.probabilities.length} probabilities).`);
  }
  const [row] = await db.insert(promptSpaces).values(input).returning();
  return row!;
}

export async function getPromptSpace(db: Database, promptSpaceId: number): Promise<PromptSpace | undefined> {
  const [row] = await db.select().from(promptSpaces).where(eq(promptSpaces.id, promptSpaceId));
  return row;
}

/** The challenge's most recent prompt space (a challenge may rebuild it with other settings). */
export async function latestPromptSpaceForChallenge(db: Database, challengeId: number): Promise<PromptSpace | undefined> {
  const [row] = await db
    .select()
    .from(promptSpaces)
    .where(eq(promptSpaces.challengeId, challengeId))
    .orderBy(desc(promptSpaces.createdAt), desc(promptSpaces.id))
    .limit(1);
  return row;
}
