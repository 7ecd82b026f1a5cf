/** The points ledger: every award with its reason; `players.points` is kept equal to the sum. */
import { and, count, desc, eq, sql, sum } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type PointReason, type PointsLedgerEntry, players, pointsLedger } from '../schema.js';

export interface PointsAward {
  playerId: string;
  amount: number;
  reason: PointReason;
  guildId?: string | null;
  challengeId?: number | null;
  /** Awards with the same key happen once, e.g. `best-prompt:challenge:42`. */
  dedupeKey?: string | null;
}

/** Adds the ledger row and the player's total together; false if `dedupeKey` was already awarded. */
export async function awardPoints(db: Database, award: PointsAward): Promise<boolean> {
  if (!Number.isInteger(award.amount)) throw new RangeError(`Points are whole numbers (got ${award.amount}).`);
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(pointsLedger).values(award).onConflictDoNothing().returning({ id: pointsLedger.id });
    if (inserted.length === 0) return false;
    await tx
      .update(players)
      .set({ points: sql`${players.points} + ${award.amount}`, updatedAt: sql`now()` })
      .where(eq(players.id, award.playerId));
    return true;
  });
}

/** The player's points, in one guild or everywhere. */
export async function playerPoints(db: Database, playerId: string, guildId?: string): Promise<number> {
  const [row] = await db
    .select({ total: sum(pointsLedger.amount).mapWith(Number) })
    .from(pointsLedger)
    .where(and(eq(pointsLedger.playerId, playerId), guildId === undefined ? undefined : eq(pointsLedger.guildId, guildId)));
  return row?.total ?? 0;
}

/** Newest first. */
export async function listLedger(
  db: Database,
  playerId: string,
  filter: { guildId?: string; limit?: number } = {},
): Promise<PointsLedgerEntry[]> {
  return db
    .select()
    .from(pointsLedger)
    .where(and(eq(pointsLedger.playerId, playerId), filter.guildId === undefined ? undefined : eq(pointsLedger.guildId, filter.guildId)))
    .orderBy(desc(pointsLedger.createdAt), desc(pointsLedger.id))
    .limit(filter.limit ?? 50);
}

/** How many awards of `reason` the player has in the guild. */
export async function countAwards(db: Database, who: { playerId: string; guildId: string; reason: PointReason }): Promise<number> {
  const [row] = await db
    .select({ awards: count() })
    .from(pointsLedger)
    .where(and(eq(pointsLedger.playerId, who.playerId), eq(pointsLedger.guildId, who.guildId), eq(pointsLedger.reason, who.reason)));
  return row?.awards ?? 0;
}
