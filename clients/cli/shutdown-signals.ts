// Ctrl-C, `kill` and a closed terminal (SIGINT, SIGTERM, SIGHUP) end `start` the same way: the
// cleanup runs once and the process exits with 128 + the signal's number, as shells expect.
// The handlers are installed before anything is started, so a signal during the first
// minutes (installs, the refresh) still stops the servers; the servers themselves run in their
// own process groups and never see the terminal's signal.
import os from 'node:os';

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `cleanup` on the first shutdown signal, then exits. A second signal while cleaning up
 * does not interrupt it (the servers would be left behind); it only says so.
 */
export function exitOnShutdownSignal(
  cleanup: (signal: NodeJS.Signals) => Promise<void>,
  note: (message: string) => void,
): () => void {
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received !== undefined) {
      note(`(${signal} again: still stopping what was started; please wait)`);
      return;
    }
    received = signal;
    note(`\n${signal} received.`);
    void cleanup(signal)
      .catch((error: unknown) => note(`error while stopping: ${String(error)}`))
      .finally(() => process.exit(128 + (os.constants.signals[signal] ?? 1)));
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, handler);
  };
}

/**
 * Output to a pipe whose reader is gone (`start | tee log` after Ctrl-C killed tee) fails with
 * EPIPE, and an unhandled stream error would kill the process before its cleanup. Such write
 * errors are dropped: there is no one left to read them.
 */
export function ignoreBrokenOutput(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error;
    });
}
