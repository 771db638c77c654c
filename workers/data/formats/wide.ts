// A wide table of series — one row per series and a column per date or year (Wikipedia's page views, the JHU COVID-19
// counts, World Bank indicators), or per numbered step (M5's "d_1","d_2",…; M4's "V1","V2",… in rows of different
// lengths) or per unnamed step in rows of different lengths — melted into a long
// table: the series' key, its date, year or step, the value. It is then forecast per series as any long table is. A
// wide table whose rows are labelled (UCR's class, then the series) is not melted: each row is classified whole
// (candidates.ts, wideDraft).

import type { Column, ParsedTable } from '../parsed';
import { looksLikeDate, readDates } from './dates';

/** At least this many value columns make a wide table of series. */
const MIN_STEPS = 20;
/** Values a melted table holds at most (a row each): a larger table is melted for its first series. */
const MAX_CELLS = 20_000_000;

const cell = (c: Column, r: number): string => c.strings?.[r] ?? (c.numbers && !Number.isNaN(c.numbers[r]) ? String(c.numbers[r]) : '');

/** The melted table and a note saying so, or undefined when `t` is not a wide table of series. */
export function meltWideSeries(t: ParsedTable, maxCells = MAX_CELLS): { table: ParsedTable; note: string } | undefined {
  if (!t.header || t.rows < 2) return undefined;
  const cols = t.columns;
  // the value columns: the numeric columns named by dates at the end (Lat and Long before them stay), else every
  // numeric column at the end
  let first = cols.length;
  while (first > 0 && cols[first - 1].type === 'numeric' && looksLikeDate(cols[first - 1].name.trim())) first--;
  if (cols.length - first < MIN_STEPS) {
    first = cols.length;
    while (first > 0 && cols[first - 1].type === 'numeric') first--;
  }
  const steps = cols.slice(first);
  const leading = cols.slice(0, first);
  if (steps.length < MIN_STEPS || leading.length === 0 || leading.length > 6) return undefined;
  // one series per row: a key unique on every row (the first such leading column, or the leading texts joined)
  const texts = leading.filter((c) => c.type !== 'numeric');
  if (texts.length === 0) return undefined;
  const unique = (values: string[]): boolean => new Set(values).size === values.length && values.every((v) => v !== '');
  const rowsOf = (c: Column): string[] => Array.from({ length: t.rows }, (_, r) => cell(c, r));
  const single = texts.find((c) => unique(rowsOf(c)));
  const keyParts = single ? [single] : texts;
  const keyValues = Array.from({ length: t.rows }, (_, r) => keyParts.map((c) => cell(c, r)).filter((v) => v !== '').join('/'));
  if (!unique(keyValues)) return undefined;
  const keyName = keyParts.map((c) => c.name).join('+');
  // dated columns (or columns named by consecutive years: World Bank's "1960","1961",…), or numbered steps with rows
  // of different lengths
  const yearNames = steps.map((c) => Number(c.name.trim()));
  const years = yearNames.every((y, i) => Number.isInteger(y) && y >= 1000 && y <= 2999 && (i === 0 || y === yearNames[i - 1] + 1));
  const dates = years ? undefined : readDates(steps.map((c) => c.name));
  // columns of one name numbered in order (M5's d_1, d_2, …; M4's V1, V2, …): steps, rows of any lengths
  const numbers = steps.map((c) => /^(.*?)(\d+)$/.exec(c.name.trim()));
  const numbered = numbers.every((m, i) => m && m[1] === numbers[0]![1] && (i === 0 || Number(m[2]) === Number(numbers[i - 1]![2]) + 1));
  let lengths: number[] | undefined;
  if (!dates && !years) {
    lengths = Array.from({ length: t.rows }, (_, r) => {
      let n = steps.length;
      while (n > 0 && Number.isNaN(steps[n - 1].numbers![r])) n--;
      return n;
    });
    const ragged = new Set(lengths).size > 1 && lengths.filter((n) => n < steps.length).length >= 0.1 * t.rows;
    if (!ragged && !numbered) return undefined;
  }
  const keys: string[] = [];
  const time: number[] = [];
  const values: number[] = [];
  const lines: number[] = [];
  const others = leading.filter((c) => !keyParts.includes(c));
  const otherCells: (string | number)[][] = others.map(() => []);
  // a table too large to hold melted (M5's 30,490 series of 1,913 days) is melted for its first series only, said
  const kept = Math.min(t.rows, Math.floor(maxCells / steps.length));
  for (let r = 0; r < kept; r++) {
    // a series runs from its first value to its last (a page created later starts later)
    let from = 0;
    let to = lengths ? lengths[r] : steps.length;
    while (from < to && Number.isNaN(steps[from].numbers![r])) from++;
    while (to > from && Number.isNaN(steps[to - 1].numbers![r])) to--;
    for (let k = from; k < to; k++) {
      keys.push(keyValues[r]);
      time.push(dates ? dates.values[k] : years ? yearNames[k] : numbered ? Number(numbers[k]![2]) : k + 1);
      values.push(steps[k].numbers![r]);
      lines.push(t.lineOfRow[r]);
      others.forEach((c, i) => otherCells[i].push(c.numbers ? c.numbers[r] : c.strings![r]));
    }
  }
  const missing = values.filter((v) => Number.isNaN(v)).length;
  const categorical = (name: string, strings: string[]): Column => {
    const n = new Map<string, number>();
    for (const v of strings) if (v !== '') n.set(v, (n.get(v) ?? 0) + 1);
    return { name, type: 'categorical', strings, missing: strings.filter((v) => v === '').length, categories: [...n].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)) };
  };
  const melted: Column[] = [
    categorical(keyName, keys),
    // (a series' other names and codes repeat on each of its rows now: categories, whatever they were one a row)
    ...others.map((c, i): Column => (c.numbers ? { name: c.name, type: 'numeric', numbers: Float64Array.from(otherCells[i] as number[]), missing: 0 } : categorical(c.name, otherCells[i] as string[]))),
    dates ? { name: 'date', type: 'date', numbers: Float64Array.from(time), missing: 0, dateForm: dates.form } : { name: years ? 'year' : 'step', type: 'numeric', numbers: Float64Array.from(time), missing: 0 },
    { name: 'value', type: 'numeric', numbers: Float64Array.from(values), missing },
  ];
  const [shortest, longest] = lengths ? lengths.reduce(([lo, hi], n) => [Math.min(lo, n), Math.max(hi, n)], [Infinity, 0]) : [0, 0];
  const how = dates || years ? `a column per ${years ? 'year' : 'date'} (${steps[0].name} … ${steps[steps.length - 1].name})` : `${steps.length} numbered columns (${steps[0].name} … ${steps[steps.length - 1].name})${shortest < longest ? `, rows of ${shortest}–${longest} values` : ''}`;
  return {
    table: { ...t, columns: melted, rows: keys.length, lineOfRow: Int32Array.from(lines) },
    note: `a wide table of ${t.rows} series, one a row, ${how}: read as one series per "${keyName}" ("${dates ? 'date' : years ? 'year' : 'step'}", "value")${kept < t.rows ? `; the first ${kept.toLocaleString('en')} series only (all ${t.rows.toLocaleString('en')} would be ${(t.rows * steps.length).toLocaleString('en')} values, more than the ${maxCells.toLocaleString('en')} a table may hold: take the series you want into a file of their own)` : ''}`,
  };
}
