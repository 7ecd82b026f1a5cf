/** Evaluated prompts of a run (the learned one and the baselines), each scored on K images. */
import { and, asc, desc, eq, inArray, max, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { type EvaluationMethod, type RunEvaluation, runEvaluations, runs } from '../schema.js';

export interface RunEvaluationRecord {
  runId: number;
  method: EvaluationMethod;
  prompt: string;
  meanSimilarity: number;
  sdSimilarity: number;
  imageShas: string[];
}

/** Records the evaluation; evaluating the same (run, method, prompt) again replaces the scores. */
export async function recordRunEvaluation(db: Database, evaluation: RunEvaluationRecord): Promise<RunEvaluation> {
  const [row] = await db
    .insert(runEvaluations)
    .values(evaluation)
    .onConflictDoUpdate({
      target: [runEvaluations.runId, runEvaluations.method, runEvaluations.prompt],
      set: {
        meanSimilarity: evaluation.meanSimilarity,
        sdSimilarity: evaluation.sdSimilarity,
        imageShas: evaluation.imageShas,
        createdAt: sql`now()`,
      },
    })
    .returning();
  return row!;
}

/** Best first. */
export async function listRunEvaluations(db: Database, runId: number): Promise<RunEvaluation[]> {
  return db
    .select()
    .from(runEvaluations)
    .where(eq(runEvaluations.runId, runId))
    .orderBy(desc(runEvaluations.meanSimilarity), asc(runEvaluations.id));
}

/** The machine's best learned score per challenge, over completed runs (challenges without one are absent). */
export async function learnedBestByChallenge(db: Database, challengeIds: readonly number[]): Promise<Map<number, number>> {
  if (challengeIds.length === 0) return new Map();
  const rows = await db
    .select({ challengeId: runs.challengeId, best: max(runEvaluations.meanSimilarity) })
    .from(runEvaluations)
    .innerJoin(runs, eq(runs.id, runEvaluations.runId))
    .where(and(eq(runEvaluations.method, 'learned'), eq(runs.status, 'completed'), inArray(runs.challengeId, [...challengeIds])))
    .groupBy(runs.challengeId);
  return new Map(rows.flatMap((row) => (row.challengeId !== null && row.best !== null ? [[row.challengeId, row.best] as const] : [])));
}
