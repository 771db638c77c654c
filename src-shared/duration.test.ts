// Durations as the CLI's --budget and the Train screen's "Time budget" read and show them.
import { describe, expect, it } from 'vitest';
import { formatDurationShort, parseDuration } from './duration';

describe('parseDuration', () => {
  it('reads hours, minutes and seconds, and plain seconds', () => {
    expect(['90s', '5m', '1h30m', '1h 30m 10s', '2H', '1.5h', '300', '0.5', '0', ' 3m '].map(parseDuration)).toEqual([90, 300, 5400, 5410, 7200, 5400, 300, 0.5, 0, 180]);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['', 'abc', '5x', '-5m', '5m1h', '5m5m', 'm', '1e3', '5 m s', '1h-2m']) expect(parseDuration(bad), bad).toBeNull();
  });
});

describe('formatDurationShort', () => {
  it('writes the compact form parseDuration reads back', () => {
    expect([0, 0.05, 45, 90, 300, 5400, 7200, 3661].map(formatDurationShort)).toEqual(['0', '0.05s', '45s', '1m30s', '5m', '1h30m', '2h', '1h1m1s']);
    for (const s of [45, 90, 300, 5400, 3661]) expect(parseDuration(formatDurationShort(s))).toBe(s);
  });
});
