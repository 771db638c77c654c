// Durations as people type them for a run's time budget: "90s", "5m", "1h30m", "2h", or plain seconds ("300",
// "0.5"), and back in the same compact form. Shared by the CLI's --budget and the Train screen's "Time budget"
// field so both accept the same words. Plain TypeScript: imports neither Node nor DOM.

/** The longest time budget a run accepts: 10,000,000 s (about 16 weeks). */
export const MAX_BUDGET_SECONDS = 1e7;

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/**
 * Seconds in `text` ("90s", "5m", "1h30m", "1h 30m 10s", "1.5h", or a plain number of seconds); null when it is not
 * a duration. Units go from hours to seconds, each at most once; whitespace and case do not matter.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const part = /(\d+(?:\.\d+)?)\s*([hms])\s*/y;
  let seconds = 0;
  let last = Infinity;
  part.lastIndex = 0;
  while (part.lastIndex < t.length) {
    const m = part.exec(t);
    if (!m) return null;
    const unit = UNIT_SECONDS[m[2]];
    if (unit >= last) return null; // "5m1h", "5m5m"
    last = unit;
    seconds += Number(m[1]) * unit;
  }
  return seconds;
}

/** 90 → "1m30s", 300 → "5m", 5400 → "1h30m", 0.5 → "0.5s", 0 → "0". */
export function formatDurationShort(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '0';
  if (seconds < 60 && !Number.isInteger(seconds)) return `${Number(seconds.toPrecision(3))}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest ? `${rest}s` : ''}` || '0';
}
