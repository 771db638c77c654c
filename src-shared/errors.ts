// Errors meant for the person, not for a bug report: what was asked cannot be done as asked (no such run, no
// checkpoint yet, a path that cannot be written, a setting out of range). Every host shows the message as it is,
// without a stack trace; the CLI exits with code 2. Plain TypeScript, shared by every side; an InputError crossing a
// thread or process boundary travels as a Problem (settings.ts) and is made again on the other side.

export class InputError extends Error {
  override name = 'InputError';
}

/** An export the run folder or the path asked for cannot serve (no run there, no checkpoint, an unwritable path). */
export class ExportInputError extends InputError {
  override name = 'ExportInputError';
}

/**
 * An error as it crosses threads and processes (plain data): the message, the setting it is about with the value
 * given, when it is about one (`message` is then the detail: "no such column (columns: …)"), the file it concerns,
 * and whether it is the person's to fix (an InputError) rather than a failure.
 */
export interface Problem {
  message: string;
  /** A key of the settings table (src-shared/settings.ts). */
  setting?: string;
  value?: string;
  file?: string;
  input?: boolean;
}

/**
 * A request to the studio that failed, as the page gets it (src-renderer/src/host.ts): the message in the studio's
 * words, and the setting it is about (its key in src-shared/settings.ts) when it is about one, so the page can name
 * that field and focus it.
 */
export class StudioRequestError extends Error {
  override name = 'StudioRequestError';

  constructor(
    message: string,
    readonly setting?: string,
  ) {
    super(message);
  }
}

/**
 * Electron's IPC carries only an error's message to the page, so the desktop host writes the setting a failed
 * request is about in front of it, `[setting:batchSize] …`, and the page's host reads it back (studioErrorOf).
 */
export const tagSetting = (message: string, setting?: string): string => (setting ? `[setting:${setting}] ${message}` : message);

/** The StudioRequestError behind an error from the desktop host (its IPC wrapping and setting tag removed). */
export function studioErrorOf(e: unknown): StudioRequestError {
  const raw = e instanceof Error ? e.message : String(e);
  const message = raw.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
  const m = /^\[setting:(\w+)\] ([\s\S]*)$/.exec(message);
  return m ? new StudioRequestError(m[2], m[1]) : new StudioRequestError(message);
}
