import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` (drizzle-kit generate) writes SQL migrations into
// `migrations/`; they are committed and applied on start-up by `migrate()` in
// src/db/migrate.ts, on PGlite and on PostgreSQL alike.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
  strict: true,
  verbose: true,
});
