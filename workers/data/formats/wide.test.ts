// Wide tables of series melted into long ones (most shapes are tested through parseFile in parse.test.ts): here, a
// table too large to hold melted is melted for its first series, and says so.
import { describe, expect, it } from 'vitest';
import { parseString } from '../parse';
import type { ParsedTable } from '../parsed';
import { meltWideSeries } from './wide';

describe('wide tables of series', () => {
  it('melts only the first series of a table whose values would pass the limit, and says how to take the rest', () => {
    const csv = ['id,' + Array.from({ length: 25 }, (_, k) => `d_${k + 1}`).join(','), ...Array.from({ length: 10 }, (_, r) => `item_${r},${Array.from({ length: 25 }, (_, k) => (k * r) % 7).join(',')}`)].join('\n');
    const t = parseString(csv, 'sales.csv', 'csv').parsed as ParsedTable;
    const m = meltWideSeries(t, 100)!;
    expect(m.table.rows).toBe(4 * 25);
    expect(new Set(m.table.columns[0].strings)).toEqual(new Set(['item_0', 'item_1', 'item_2', 'item_3']));
    expect(m.note).toBe('a wide table of 10 series, one a row, 25 numbered columns (d_1 … d_25): read as one series per "id" ("step", "value"); the first 4 series only (all 10 would be 250 values, more than the 100 a table may hold: take the series you want into a file of their own)');
  });
});
