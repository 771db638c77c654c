import { describe, expect, it } from 'vitest';
import { DataError } from '../parsed';
import { CsvTokenizer, sniffDialect, tokenizeCsv } from './csv';

const comma = { separator: ',', quotes: true };
const rowsOf = (text: string, d = comma) => tokenizeCsv(text, 't.csv', d);

describe('csv tokenizer', () => {
  it('splits rows and fields, with or without a trailing newline, CRLF and BOM', () => {
    for (const text of ['a,b\n1,2\n', 'a,b\n1,2', '\uFEFFa,b\r\n1,2\r\n', 'a,b\r\n1,2']) {
      expect(rowsOf(text).rows).toEqual([
        ['a', 'b'],
        ['1', '2'],
      ]);
    }
  });

  it('reads quoted fields with separators, doubled quotes and newlines inside, and keeps line numbers', () => {
    const r = rowsOf('name,note\n"Smith, J","say ""hi"""\n"multi\nline",x\nlast,"q"\n');
    expect(r.rows).toEqual([
      ['name', 'note'],
      ['Smith, J', 'say "hi"'],
      ['multi\nline', 'x'],
      ['last', 'q'],
    ]);
    expect(r.lines).toEqual([1, 2, 3, 5]);
  });

  it('skips # comment lines and blank lines, remembering the comment before the first row', () => {
    const got: number[] = [];
    const t = new CsvTokenizer('t.csv', comma, (_c, l) => got.push(l));
    t.push('# a, b\n\n1,2\n   \n# note\n3,4\n');
    t.end();
    expect(got).toEqual([3, 6]);
    expect(t.commentBeforeFirstRow).toBe(' a, b');
  });

  it('gives the same rows whatever the chunking (splits inside quotes, between \\r and \\n)', () => {
    const text = 'h1,h2,h3\r\n"a ""q"", b",2,"x\r\ny"\r\n# c\r\n3,,4\r\n"",5,6';
    const whole = rowsOf(text);
    for (let size = 1; size <= 7; size++) {
      const rows: string[][] = [];
      const lines: number[] = [];
      const t = new CsvTokenizer('t.csv', comma, (c, l) => {
        rows.push(c);
        lines.push(l);
      });
      for (let i = 0; i < text.length; i += size) t.push(text.slice(i, i + size));
      t.end();
      expect(rows).toEqual(whole.rows);
      expect(lines).toEqual(whole.lines);
    }
  });

  it('rejects ragged rows naming the line and both counts, and an unclosed quote', () => {
    try {
      rowsOf('a,b\n1,2\n3,4,5\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).line).toBe(3);
      expect((e as DataError).reason).toMatch(/expected 2 columns .* found 3/);
      expect((e as DataError).hint).toMatch(/quote fields/);
    }
    expect(() => rowsOf('a,b\n"open,2\n3,4\n')).toThrow(/never closed/);
  });

  it('sniffs the separator among , ; TAB |', () => {
    expect(sniffDialect('a;b;c\n1,5;2;3\n4;5;6\n', undefined, false).separator).toBe(';');
    expect(sniffDialect('a\tb\n1\t2\n', undefined, false).separator).toBe('\t');
    expect(sniffDialect('a|b|c\n1|2|3\n', undefined, false).separator).toBe('|');
    expect(sniffDialect('x,y\n1,2\n', undefined, false).separator).toBe(',');
    // TAB files with a stray leading quote (imdb): quotes are literal
    const d = sniffDialect('" The film.  \t1\nok\t0\n', ['\t'], false);
    expect(d.quotes).toBe(false);
    expect(tokenizeCsv('" The film.  \t1\nok\t0\n', 't.tsv', d).rows).toEqual([
      ['" The film.  ', '1'],
      ['ok', '0'],
    ]);
    expect(sniffDialect('"a b"\t1\n"c"\t2\n', ['\t'], false).quotes).toBe(true);
  });

  it('a second row one cell wider is R\'s row names only if the rows after it agree; else row 2 is the broken one', () => {
    expect(tokenizeCsv('"a","b"\n"1",5,6\n"2",7,8\n', 'r.csv').rows).toEqual([['a', 'b'], ['1', '5', '6'], ['2', '7', '8']]);
    expect(() => tokenizeCsv('a,b,c\n1,2,3,4\n5,6,7\n', 'x.csv')).toThrow(/x\.csv:2: expected 3 columns \(as in the first row\), found 4/);
  });
});
