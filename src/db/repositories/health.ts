/** Liveness checks for `imageprompt health`: does the database answer, is the job queue's schema there. */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.js';

/** Resolves when the database answers a trivial query; rejects with the driver's error otherwise. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}

/** Whether a schema named `schemaName` exists (pg-boss keeps the job queue in its own schema). */
export async function queueSchemaExists(db: Database, schemaName: string): Promise<boolean> {
  const result = await db.execute(sql`select count(*)::int as n from information_schema.schemata where schema_name = ${schemaName}`);
  // postgres-js returns the rows as an array; PGlite returns `{ rows }`.
  const rows = result as unknown as { n: number }[] | { rows: { n: number }[] };
  const count = Array.isArray(rows) ? rows[0]?.n : rows.rows[0]?.n;
  return (count ?? 0) > 0;
}
