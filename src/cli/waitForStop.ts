/** Long-running commands (bot, worker) stop on SIGTERM/SIGINT, or on an abort signal in tests. */
export function waitForStop(external: AbortSignal | undefined): { promise: Promise<string>; dispose: () => void } {
  let dispose = (): void => undefined;
  const promise = new Promise<string>((resolve) => {
    if (external !== undefined) {
      if (external.aborted) resolve('abort');
      external.addEventListener('abort', () => resolve('abort'), { once: true });
      return;
    }
    const onSignal = (name: NodeJS.Signals): void => resolve(name);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    dispose = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  });
  return { promise, dispose: () => dispose() };
}
