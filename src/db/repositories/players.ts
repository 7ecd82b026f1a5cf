/** Players: Discord users who guess, vote and earn points. */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type Player, players } from '../schema.js';

/** Creates the player, or updates the display name they go by now. */
export async function upsertPlayer(db: Database, player: { id: string; displayName: string }): Promise<Player> {
  const [row] = await db
    .insert(players)
    .values({ id: player.id, displayName: player.displayName })
    .onConflictDoUpdate({ target: players.id, set: { displayName: player.displayName, updatedAt: sql`now()` } })
    .returning();
  return row!;
}

export async function getPlayer(db: Database, playerId: string): Promise<Player | undefined> {
  const [row] = await db.select().from(players).where(eq(players.id, playerId));
  return row;
}
