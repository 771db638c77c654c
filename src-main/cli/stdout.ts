// The command line's standard output when its reader goes away (`seqstudio train --json | head`): the EPIPE that
// follows is not an error; `stdoutClosed` says 'closed' once, so a running command stops quietly instead of ending
// in a stack trace.

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
