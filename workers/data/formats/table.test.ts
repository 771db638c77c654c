import { describe, expect, it } from 'vitest';
import { tokenizeCsv } from './csv';
import { parseIso as parseIsoDate, parseSlash as parseSlashDate } from './dates';
import { looksLikeHeader, tableFromRows, TableBuilder } from './table';

const table = (text: string, header?: boolean) => {
  const t = tokenizeCsv(text, 't.csv');
  return tableFromRows(t.rows, { file: 't.csv', header, separator: t.dialect.separator }, t.lines);
};

describe('table builder', () => {
  it('detects a header over numeric columns, and none when the first row is data', () => {
    const a = table('x,y\n1,2\n3,4\n');
    expect(a.header).toBe(true);
    expect(a.columns.map((c) => c.name)).toEqual(['x', 'y']);
    expect(Array.from(a.columns[1].numbers!)).toEqual([2, 4]);
    const b = table('1,2\n3,4\n');
    expect(b.header).toBe(false);
    expect(b.columns.map((c) => c.name)).toEqual(['1', '2']);
    expect(b.rows).toBe(2);
    expect(Array.from(b.lineOfRow)).toEqual([1, 2]);
  });

  it('counts missing markers as NaN: empty, NA, N/A, null, NaN, ?, -', () => {
    const t = table('v\n1\n\nNA\nn/a\nnull\nNaN\n?\n-\n2.5\n""\n');
    const v = t.columns[0];
    expect(v.type).toBe('numeric');
    expect(v.missing).toBe(7); // the blank line is skipped, not a row
    expect(v.numbers![0]).toBe(1);
    expect(v.numbers![7]).toBe(2.5);
    expect(t.rows).toBe(9);
  });

  it('reads dates: ISO, ISO with time, day-first, month-first when unambiguous, YYYYMMDD in a date-named column', () => {
    const t = table('d,t,dmy,mdy,date,n\n2024-01-31,2024-01-31T12:00,31/01/2024,01/31/2024,20240131,20240131\n2024-02-01,2024-02-01T13:30:15Z,01/02/2024,02/01/2024,20240201,1\n');
    const [d, ts, dmy, mdy, ymd, n] = t.columns;
    expect(d.type).toBe('date');
    expect(d.numbers![0]).toBe(Date.UTC(2024, 0, 31));
    expect(ts.numbers![1]).toBe(Date.UTC(2024, 1, 1, 13, 30, 15));
    expect(dmy.type).toBe('date');
    expect(dmy.numbers![1]).toBe(Date.UTC(2024, 1, 1)); // 01/02 = 1 February, day first
    expect(mdy.type).toBe('date');
    expect(mdy.numbers![0]).toBe(Date.UTC(2024, 0, 31));
    expect(mdy.numbers![1]).toBe(Date.UTC(2024, 1, 1)); // 31 cannot be a month: month first
    expect(ymd.type).toBe('date');
    expect(ymd.numbers![1]).toBe(Date.UTC(2024, 1, 1));
    expect(n.type).toBe('numeric');
  });

  it('does not turn ordinary integers into dates', () => {
    const t = table('id,count\n20240131,5\n10000000,6\n20240101,7\n');
    expect(t.columns[0].type).toBe('numeric');
    expect(table('amount\n20240131\n20240101\n').columns[0].type).toBe('numeric'); // not sorted, not date-named
    expect(table('x\n19580329\n19580405\n19580412\n').columns[0].type).toBe('date'); // sorted, all valid dates
    expect(parseIsoDate('2023-02-29')).toBeNaN();
    expect(parseSlashDate('13/13/2024', true)).toBeNaN();
  });

  it('reports a stray word in a numeric column at its line, rather than reading the column as text', () => {
    const rows = ['label,value'];
    for (let i = 0; i < 60; i++) rows.push(`${i % 2 ? 'pos' : 'neg'},${i === 5 ? 'abc' : i}`);
    expect(() => table(rows.join('\n'))).toThrow(/:7: "abc" in column "value" is not a number, though the column's other 59 values are/);
  });

  it('classes strings as categorical or text, keeps strings where a column mixes numbers and words', () => {
    const rows = ['label,sentence,mixed'];
    for (let i = 0; i < 60; i++) rows.push(`${i % 2 ? 'pos' : 'neg'},this is a fairly long sentence number ${i} with words,${i % 10 === 5 ? 'abc' : i}`);
    const t = table(rows.join('\n'));
    const [label, sentence, mixed] = t.columns;
    expect(label.type).toBe('categorical');
    expect(label.categories).toEqual([
      { value: 'neg', count: 30 },
      { value: 'pos', count: 30 },
    ]);
    expect(sentence.type).toBe('text');
    expect(mixed.strings![0]).toBe('0');
    expect(mixed.strings![5]).toBe('abc');
    expect(mixed.numbers).toBeUndefined();
  });

  it('a date column with one stray word becomes strings, earlier dates kept in ISO form', () => {
    const t = table('when\n2024-01-01\n2024-01-02\nsoon\n');
    expect(t.columns[0].strings).toEqual(['2024-01-01', '2024-01-02', 'soon']);
  });

  it('header detection on all-text tables: label-like names, not sentences', () => {
    expect(looksLikeHeader([['source', 'target'], ['Go.', 'Va !'], ['Hi.', 'Salut !']])).toBe(true);
    expect(looksLikeHeader([['Go.', 'Va !'], ['Hi.', 'Salut !']])).toBe(false);
  });

  it('uses a `#` comment line as the header when its fields match the columns', () => {
    const b = new TableBuilder({ file: 't.csv', separator: ',' });
    b.commentHeader = '#RSS_anchor1, RSS_anchor2';
    b.addRow(['-0.9', '0.3'], 2);
    b.addRow(['-0.5', '0.1'], 3);
    const t = b.finish();
    expect(t.columns.map((c) => c.name)).toEqual(['RSS_anchor1', 'RSS_anchor2']);
    expect(t.rows).toBe(2);
  });

  it('grows past its initial capacity', () => {
    const b = new TableBuilder({ file: 't.csv', separator: ',' });
    b.addRow(['v'], 1);
    for (let i = 0; i < 5000; i++) b.addRow([String(i)], i + 2);
    const t = b.finish();
    expect(t.rows).toBe(5000);
    expect(t.columns[0].numbers![4999]).toBe(4999);
    expect(t.lineOfRow[4999]).toBe(5001);
  });

  it('an empty table is a DataError', () => {
    expect(() => table('a,b\n')).toThrow(/no data rows/);
  });
});
