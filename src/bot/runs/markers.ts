/**
 * A small line at the end of every message the bot posts for a run (Discord
 * renders `-# ` as subtext), naming the run and what the message is. They are
 * the follower's memory: after a bot restart it reads the thread back, finds
 * the run's status message and the last event its image grids covered, and
 * carries on from there without posting anything twice.
 */

export type RunMessageMarker =
  | { readonly kind: 'status'; readonly runId: number }
  | { readonly kind: 'grid'; readonly runId: number; readonly iteration: number; readonly throughSeq: number }
  | { readonly kind: 'summary'; readonly runId: number };

export function formatMarker(marker: RunMessageMarker): string {
  switch (marker.kind) {
    case 'status':
      return `-# run ${marker.runId} · status`;
    case 'grid':
      return `-# run ${marker.runId} · iteration ${marker.iteration + 1} · event ${marker.throughSeq}`;
    case 'summary':
      return `-# run ${marker.runId} · summary`;
  }
}

const STATUS = /^-# run (\d+) · status$/m;
const GRID = /^-# run (\d+) · iteration (\d+) · event (\d+)$/m;
const SUMMARY = /^-# run (\d+) · summary$/m;

/** The marker in a message's content, if it has one. */
export function parseMarker(content: string): RunMessageMarker | undefined {
  const grid = GRID.exec(content);
  if (grid) return { kind: 'grid', runId: Number(grid[1]), iteration: Number(grid[2]) - 1, throughSeq: Number(grid[3]) };
  const status = STATUS.exec(content);
  if (status) return { kind: 'status', runId: Number(status[1]) };
  const summary = SUMMARY.exec(content);
  if (summary) return { kind: 'summary', runId: Number(summary[1]) };
  return undefined;
}
