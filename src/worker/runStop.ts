/**
 * Why a run's engine was told to stop. Used as the `AbortSignal` reason, so
 * the end of `executeRun` tells a cancellation from a shutdown or a lost claim
 * whatever error the engine surfaced on the way out.
 */
export type RunStopCause =
  /** Someone asked to cancel the run (`requestRunCancel`). */
  | 'cancelled'
  /** This worker is shutting down: the run is released and resumes elsewhere from its checkpoint. */
  | 'shutdown'
  /** Another worker took the run over (this one was presumed dead): stop without touching the run. */
  | 'lost-claim';

export class RunStop extends Error {
  constructor(readonly stopCause: RunStopCause) {
    super(`run stopped: ${stopCause}`);
    this.name = 'RunStop';
  }
}

export function runStopCause(signal: AbortSignal): RunStopCause | undefined {
  return signal.aborted && signal.reason instanceof RunStop ? signal.reason.stopCause : undefined;
}
