// The command line's standard output when its reader goes away (`seqstudio train --json | head`): the EPIPE that
// follows is not an error; `stdoutClosed` says 'closed' once, so a running command stops quietly instead of ending
// in a stack trace. `untilDone` waits for a long command (train, sweep) and stops it on a signal or a closed stdout.

import { EventEmitter } from 'node:events';

export const stdoutClosed = new EventEmitter();
let gone = false;

export function watchStdout(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    if (gone) return;
    gone = true;
    stdoutClosed.emit('closed');
  });
}

/**
 * Waits for a long command's `done`. Ctrl+C, SIGTERM and SIGHUP (a closed terminal) stop it after its current step,
 * keeping its checkpoint, with `say(signal)` on stderr (nothing when it returns undefined); a second signal aborts
 * (exit 130). A reader that goes away stops it the same way, quietly.
 */
export async function untilDone<T>(handle: { stop(): void; done: Promise<T> }, say: (signal: string) => string | undefined): Promise<T> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const stop = (signal?: string): void => {
    for (const sig of signals) process.off(sig, stop);
    const words = signal ? say(signal) : undefined;
    if (words) process.stderr.write(words);
    handle.stop();
    for (const sig of signals) process.once(sig, () => process.exit(130));
  };
  for (const sig of signals) process.once(sig, stop);
  const onPipeClosed = (): void => stop();
  stdoutClosed.once('closed', onPipeClosed);
  try {
    return await handle.done;
  } finally {
    for (const sig of signals) process.off(sig, stop);
    stdoutClosed.off('closed', onPipeClosed);
  }
}

