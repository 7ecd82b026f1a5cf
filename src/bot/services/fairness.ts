/**
 * Who may start a training run now: caps on runs queued or running at once
 * (per user, per guild), a daily quota per user, and a monthly spending cap
 * per guild, all from the guild's settings. A refusal says why and when the
 * user can try again; the caller shows it privately.
 *
 * The checks and the run's creation happen in one transaction holding
 * advisory locks on the guild and the user, so two `/train` at the same
 * instant cannot both slip under a cap.
 */
import {
  countActiveRuns,
  countRunsSince,
  type Database,
  type GuildSettings,
  guildSpendingSince,
  listRunSummaries,
  lockRunAdmission,
} from '../../db/index.js';

export type RefusalKind = 'training-off' | 'user-concurrent' | 'guild-concurrent' | 'daily-quota' | 'spending-cap';

export interface Refusal {
  readonly kind: RefusalKind;
  /** For the user: why, and when to try again. */
  readonly message: string;
  /** When the limit lifts by itself (quota reset), or `null` when it depends on something else (a run finishing). */
  readonly retryAt: Date | null;
}

export interface AdmissionInput {
  readonly userId: string;
  readonly guildId: string;
  readonly settings: GuildSettings;
  readonly now: Date;
}

export interface Admission {
  /** Money the run may still spend under the guild's monthly cap (`null`: no cap). */
  readonly remainingSpendUsd: number | null;
}

export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export function startOfNextUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

export function startOfUtcMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export function startOfNextUtcMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** A Discord timestamp: each reader sees it in their own time zone, as "in 5 hours". */
export function discordRelativeTime(at: Date): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:R>`;
}

const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

function runList(ids: readonly number[]): string {
  return ids.map((id) => `#${id}`).join(', ');
}

/**
 * The first limit the user is over, or `undefined` if they may start a run.
 * Read-only; `admitRun` runs it under the locks.
 */
export async function findRefusal(db: Database, input: AdmissionInput): Promise<Refusal | undefined> {
  const { quotas } = input.settings;
  if (quotas.runsPerUserPerDay === 0 || quotas.concurrentRunsPerUser === 0 || quotas.concurrentRunsPerGuild === 0) {
    return { kind: 'training-off', message: 'Training is turned off on this server (an administrator can change it with /settings).', retryAt: null };
  }

  const mine = await countActiveRuns(db, { requestedBy: input.userId });
  if (mine >= quotas.concurrentRunsPerUser) {
    const active = await listRunSummaries(db, { requestedBy: input.userId, statuses: ['queued', 'running'], limit: 5 });
    return {
      kind: 'user-concurrent',
      message:
        `You already have ${plural(mine, 'run')} queued or running (${runList(active.map((run) => run.id))}; the limit is ${quotas.concurrentRunsPerUser} at a time). ` +
        'Try again when it finishes, or stop it with /stop.',
      retryAt: null,
    };
  }

  const guildActive = await countActiveRuns(db, { guildId: input.guildId });
  if (guildActive >= quotas.concurrentRunsPerGuild) {
    return {
      kind: 'guild-concurrent',
      message: `This server already has ${plural(guildActive, 'run')} queued or running (the limit is ${quotas.concurrentRunsPerGuild}). Try again when one of them finishes.`,
      retryAt: null,
    };
  }

  const today = await countRunsSince(db, input.userId, startOfUtcDay(input.now));
  if (today >= quotas.runsPerUserPerDay) {
    const retryAt = startOfNextUtcDay(input.now);
    return {
      kind: 'daily-quota',
      message: `You have used your ${plural(quotas.runsPerUserPerDay, 'run')} for today. Try again ${discordRelativeTime(retryAt)}.`,
      retryAt,
    };
  }

  const cap = input.settings.spendingCapUsd;
  if (cap !== null) {
    const spent = await guildSpendingSince(db, input.guildId, startOfUtcMonth(input.now));
    if (spent >= cap) {
      const retryAt = startOfNextUtcMonth(input.now);
      return {
        kind: 'spending-cap',
        message: `This server has spent $${spent.toFixed(2)} of its $${cap.toFixed(2)} monthly cap. Try again ${discordRelativeTime(retryAt)}, or ask an administrator to raise the cap with /settings.`,
        retryAt,
      };
    }
  }
  return undefined;
}

/** Money left under the guild's cap this month; `null` when it has no cap. */
export async function remainingSpend(db: Database, guildId: string, settings: GuildSettings, now: Date): Promise<number | null> {
  if (settings.spendingCapUsd === null) return null;
  const spent = await guildSpendingSince(db, guildId, startOfUtcMonth(now));
  return Math.max(0, settings.spendingCapUsd - spent);
}

/**
 * Checks the limits and, if none refuses, runs `create` — all in one
 * transaction that holds the guild's and the user's admission locks (taken in
 * that order, so two transactions never wait on each other in a cycle). The
 * created row is visible to the next admission as soon as this commits.
 */
export async function admitRun<T>(
  db: Database,
  input: AdmissionInput,
  create: (tx: Database, admission: Admission) => Promise<T>,
): Promise<{ admitted: true; value: T } | { admitted: false; refusal: Refusal }> {
  return db.transaction(async (tx) => {
    await lockRunAdmission(tx, { guildId: input.guildId, userId: input.userId });
    const refusal = await findRefusal(tx, input);
    if (refusal) return { admitted: false as const, refusal };
    const remainingSpendUsd = await remainingSpend(tx, input.guildId, input.settings, input.now);
    return { admitted: true as const, value: await create(tx, { remainingSpendUsd }) };
  });
}
