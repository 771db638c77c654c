// The Monash forecasting archive's .tsf files: attributes, then values, one series a line → a long table per value.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from '../parse';
import { DataError, type ParsedTable } from '../parsed';
import { propose } from '../propose';

const dir = mkdtempSync(join(tmpdir(), 'tsf-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const table = (p: { parsed: unknown }): ParsedTable => {
  const t = p.parsed as ParsedTable;
  if (t.kind !== 'table') throw new Error(t.kind);
  return t;
};

describe('Monash .tsf files', () => {
  it('daily series with a start: one row per value, its date; the horizon said; forecast per series', async () => {
    const lines = ['# Dataset Information', '# daily deaths', '@relation covid_deaths', '@attribute series_name string', '@attribute state string', '@attribute start_timestamp date', '@frequency daily', '@horizon 30', '@missing true', '@equallength false', '@data'];
    for (let k = 0; k < 3; k++) lines.push(`T${k + 1}:S${k}:2020-01-${22 + k} 00-00-00:${Array.from({ length: 60 - k }, (_, i) => (k === 1 && i === 4 ? '?' : String(10 + i + k))).join(',')}`);
    const r = await parseFile(write('covid_deaths_dataset.tsf', lines.join('\n') + '\n'));
    const t = table(r);
    expect(t.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['series_name:categorical', 'state:categorical', 'date:date', 'value:numeric']);
    expect(t.rows).toBe(60 + 59 + 58);
    expect(new Date(t.columns[2].numbers![60]).toISOString()).toBe('2020-01-23T00:00:00.000Z');
    expect(t.columns[3].missing).toBe(1);
    expect(r.notes).toEqual(['a Monash forecasting archive file ("covid_deaths"): 3 series, one row per value, daily', 'the archive forecasts 30 steps ahead for this dataset (--horizon 30)']);
    expect(propose(t, 'covid_deaths_dataset.tsf').choice).toMatchObject({ shape: 'many-to-one', target: 'value', sequence: 'series_name' });
  });

  it('monthly steps move by calendar months (the day kept within the month); without a start the values are numbered; found without the extension', async () => {
    const monthly = ['@relation tourism', '@attribute series_name string', '@attribute start_timestamp date', '@frequency monthly', '@data', 'T1:1979-01-31 00-00-00:1,2,3,4'].join('\n');
    const m = table(await parseFile(write('tourism_monthly.tsf', monthly)));
    expect(Array.from(m.columns[1].numbers!, (v) => new Date(v).toISOString().slice(0, 10))).toEqual(['1979-01-31', '1979-02-28', '1979-03-31', '1979-04-30']);
    // a start written with ":" (as ISO times are), an attribute named "value"
    const colon = ['@relation x', '@attribute series_name string', '@attribute value numeric', '@attribute start_timestamp date', '@frequency hourly', '@data', 'T1:7:2015-01-01 00:00:00:1,2,3'].join('\n');
    const c = table(await parseFile(write('colon.tsf', colon)));
    expect(c.columns.map((x) => x.name)).toEqual(['series_name', 'value', 'date', 'series_value']);
    expect(new Date(c.columns[2].numbers![2]).toISOString()).toBe('2015-01-01T02:00:00.000Z');
    const plain = ['@relation m4', '@attribute series_name string', '@frequency yearly', '@horizon 6', '@data', 'Y1:5,6,7', 'Y2:1,2'].join('\n');
    const p = await parseFile(write('m4_yearly.txt', plain));
    expect(p.format).toBe('tsf');
    expect(table(p).columns.map((c) => c.name)).toEqual(['series_name', 'step', 'value']);
    expect(Array.from(table(p).columns[1].numbers!)).toEqual([1, 2, 3, 1, 2]);
  });

  it('a value that is no number, a start that is no time, an unknown frequency: refused with the line', async () => {
    const head = ['@relation x', '@attribute series_name string', '@attribute start_timestamp date', '@frequency daily', '@data'];
    const cases: [string[], RegExp, number][] = [
      [[...head, 'T1:2020-01-01 00-00-00:1,2,x3'], /"x3" is not a number \(value 3 of the series "T1"\)/, 6],
      [[...head, 'T1:01/01/2020:1,2'], /"01\/01\/2020" is not a start time/, 6],
      [['@relation x', '@attribute series_name string', '@frequency fortnightly', '@data', 'T1:1'], /the frequency "fortnightly" is not one the archive uses/, 4],
    ];
    for (const [lines, reason, line] of cases) {
      const e = await parseFile(write('bad.tsf', lines.join('\n'))).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).reason).toMatch(reason);
      expect((e as DataError).line).toBe(line);
    }
  });
});
