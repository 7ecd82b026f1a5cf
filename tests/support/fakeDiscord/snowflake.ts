/** Discord's epoch (2015-01-01T00:00:00Z); snowflakes carry milliseconds since it in their top 42 bits. */
const DISCORD_EPOCH = 1_420_070_400_000n;

let increment = 0n;

/** A new, increasing snowflake (as Discord sends them: a decimal string). */
export function nextSnowflake(): string {
  increment = (increment + 1n) & 0xfffn;
  return ((BigInt(Date.now()) - DISCORD_EPOCH) << 22n | increment).toString();
}

/** The ISO timestamp encoded in a snowflake. */
export function snowflakeTimestamp(id: string): string {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH)).toISOString();
}

/** Which shard a guild's events go to (Discord's formula). */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
