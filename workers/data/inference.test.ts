// Type inference and proposals on synthetic files shaped like the public data people drop in (each case of issue 12):
// every written form of dates and times (and their ambiguous cases), date parts in separate columns, row numbers,
// ids and split markers, headerless files, label⇥text, token⇥TAG in a .tsv, blocks of numbers, seasonal periods, and
// integer targets that stay numbers. Everything goes through the real importer (parseString → propose → build).

import { describe, expect, it } from 'vitest';
import { analyseTable, seasonalStrength } from './analyse';
import { formatDate, parseIsoWeek, parseMonthName, parseQuarter, parseSlash, parseTimeOfDay, parseYearMonth, readDates, readNumericDates } from './formats/dates';
import { parseString } from './parse';
import type { ParsedTable } from './parsed';
import { buildTrainingData, propose } from './propose';

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const D = (y: number, m: number, d = 1, h = 0, mi = 0, s = 0): number => Date.UTC(y, m - 1, d, h, mi, s);
const table = (text: string, file: string): ParsedTable => {
  const { parsed } = parseString(text, file);
  if (parsed.kind !== 'table') throw new Error(`read as ${parsed.kind}`);
  return parsed;
};
const inspect = (text: string, file: string) => {
  const { parsed, format } = parseString(text, file);
  return { parsed, format, proposal: propose(parsed, file) };
};
/** A seasonal, trending, noisy monthly series (airline-like): integers with repeats. */
const airline = (n: number): number[] => range(n, (i) => Math.round((100 + 2 * i) * (1 + 0.2 * Math.sin((2 * Math.PI * i) / 12)) + ((i * 7) % 5)));

describe('dates and times in every common form', () => {
  it('reads each form on its own', () => {
    expect(parseYearMonth('1949-01')).toBe(D(1949, 1));
    expect(parseSlash('10/03/2004 18:00:00', true)).toBe(D(2004, 3, 10, 18));
    expect(parseSlash('3/10/2004', false)).toBe(D(2004, 3, 10));
    expect(parseSlash('10.03.2004', true)).toBe(D(2004, 3, 10));
    expect(parseMonthName('Jan-49')).toBe(D(1949, 1));
    expect(parseMonthName('January 1949')).toBe(D(1949, 1));
    expect(parseMonthName('1949 Jan')).toBe(D(1949, 1));
    expect(parseMonthName('01-Jan-1949')).toBe(D(1949, 1, 1));
    expect(parseMonthName('Jan 5, 1949')).toBe(D(1949, 1, 5));
    expect(parseMonthName('11:37:15  3 Sep 2020')).toBe(D(2020, 9, 3, 11, 37, 15));
    expect(parseMonthName('Sept 2001')).toBe(D(2001, 9));
    expect(parseMonthName('Jan-05')).toBe(D(2005, 1)); // two-digit years: the century that is not in the future
    expect(parseQuarter('1959Q1')).toBe(D(1959, 1));
    expect(parseQuarter('1959-Q3')).toBe(D(1959, 7));
    expect(parseQuarter('1956 Q2')).toBe(D(1956, 4));
    expect(parseQuarter('Q4 1960')).toBe(D(1960, 10));
    expect(parseIsoWeek('2020-W01')).toBe(D(2019, 12, 30)); // ISO week 1 of 2020 starts on Monday 30 December 2019
    expect(parseIsoWeek('2020W05-3')).toBe(D(2020, 1, 29));
    expect(parseTimeOfDay('18:00:00')).toBe(18 * 3600_000);
    expect(parseTimeOfDay('18.30.00')).toBe(18.5 * 3600_000);
    for (const bad of ['2023-02-29', '13/13/2024', 'Jan-1', 'Q5 2000', '2020-W54', '25:00']) {
      expect([parseSlash(bad, true), parseMonthName(bad), parseQuarter(bad), parseIsoWeek(bad), parseTimeOfDay(bad)].every(Number.isNaN)).toBe(true);
    }
  });

  it('decides a column: one form for every value, day-first or month-first from the data', () => {
    expect(readDates(['10/03/2004', '11/03/2004', '13/03/2004'])?.form).toBe('day-first'); // 13 cannot be a month
    expect(readDates(['03/10/2004', '03/11/2004', '03/13/2004'])?.form).toBe('month-first');
    // every value reads both ways: the reading with the regular spacing wins (daily in January, not monthly)
    const ambiguous = readDates(range(12, (i) => `1/${i + 1}/2020`))!;
    expect([ambiguous.form, ambiguous.ambiguous]).toEqual(['month-first', true]);
    expect(ambiguous.values[1] - ambiguous.values[0]).toBe(86_400_000);
    // monthly on the 1st, written month first over years (Electric_Production.csv): regular in the calendar (28–31
    // days apart), where day first would be days 1–12 of each January
    const monthly = readDates(range(397, (i) => `${(i % 12) + 1}/1/${1985 + Math.floor(i / 12)}`))!;
    expect([monthly.form, monthly.ambiguous]).toEqual(['month-first', true]);
    expect(formatDate(monthly.values[13])).toBe('1986-02-01');
    // and day first when that reading is the monthly one
    expect(readDates(range(30, (i) => `1/${(i % 12) + 1}/${2000 + Math.floor(i / 12)}`))!.form).toBe('day-first');
    expect(readDates(['1-01', '1-02', '1-12', '2-01', '3-12'])?.form).toBe('period-in-series');
    expect(readDates(['1-01', '1-03', '1-02'])).toBeUndefined(); // out of order: not a period code
    expect(formatDate(readDates(['1-01', '1-02', '2-05'])!.values[2], 'period-in-series')).toBe('2-05');
    expect(readDates(['2020-01-01', 'soon'])).toBeUndefined();
    expect(readDates(['1959Q1', '1959Q2', '', '1959Q4'])?.values[2]).toBeNaN(); // missing stays missing
  });

  it('numbers that are dates: YYYYMMDD, Unix seconds (newest first) and milliseconds; ordinary integers are not', () => {
    expect(readNumericDates('date', Float64Array.of(19580329, 19580405))?.form).toBe('yyyymmdd');
    const secs = readNumericDates('Timestamp', Float64Array.of(1517558400, 1517472000, 1517385600))!;
    expect([secs.form, secs.values[0]]).toEqual(['unix-seconds', D(2018, 2, 2, 8)]);
    expect(readNumericDates('t', Float64Array.from(range(10, (i) => 1.6e12 + i * 60_000)))?.form).toBe('unix-milliseconds');
    expect(readNumericDates('amount', Float64Array.of(1.2e9, 2.0e9, 1.5e9))).toBeUndefined(); // unordered, not date-named
    expect(readNumericDates('count', Float64Array.of(5, 6, 7))).toBeUndefined();
  });
});

describe('tables as people have them', () => {
  it('a Month column written 1949-01 is the time, Passengers (integers with repeats) the series to forecast', () => {
    const csv = ['"Month","Passengers"', ...airline(144).map((v, i) => `"${1949 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}",${v}`)].join('\n');
    const { proposal: p, parsed } = inspect(csv, 'airline-passengers.csv');
    expect(p.columns.find((c) => c.name === 'Month')).toMatchObject({ type: 'date', role: 'time', dateForm: 'year-month' });
    expect(p.shape).toBe('many-to-one');
    expect(p.choice).toMatchObject({ target: 'Passengers', season: 12 });
    expect(p.choice.lookback).toBeGreaterThanOrEqual(12);
    expect(p.time).toMatchObject({ interval: 'monthly', first: '1949-01', last: '1960-12' });
    // forced to the shape and target: still a number (rmse), never classes
    const d = buildTrainingData(parsed, { shape: 'many-to-one', target: 'Passengers' }, 'airline-passengers.csv');
    expect(d.model.output.kind).toBe('values');
    expect(d.baseline?.metrics.rmse).toBeGreaterThan(0);
  });

  it('period-in-series codes (1-01 … 3-12) are monthly time, and 36 rows still train', () => {
    const csv = ['"Month","Sales of shampoo over a three year period"', ...range(36, (i) => `"${Math.floor(i / 12) + 1}-${String((i % 12) + 1).padStart(2, '0')}",${(200 + 12 * i + (i % 4) * 15).toFixed(1)}`)].join('\n');
    const { proposal: p, parsed } = inspect(csv, 'shampoo.csv');
    expect(p.columns[0]).toMatchObject({ role: 'time', dateForm: 'period-in-series' });
    expect(p.time?.interval).toBe('monthly');
    expect(p.choice.target).toBe('Sales of shampoo over a three year period');
    expect(() => buildTrainingData(parsed, {}, 'shampoo.csv')).not.toThrow();
  });

  it('hourly air quality with No,year,month,day,hour: parts combined, the row number left out, the measurement targeted', () => {
    const rows = range(24 * 40, (i) => {
      const t = new Date(D(2010, 1, 1) + i * 3600_000);
      const pm = i % 97 === 5 ? 'NA' : String(Math.round(80 + 40 * Math.sin((2 * Math.PI * i) / 24) + (i % 13)));
      return `${i + 1},${t.getUTCFullYear()},${t.getUTCMonth() + 1},${t.getUTCDate()},${t.getUTCHours()},${pm},${-20 + (i % 7)},${-5 + (i % 11) / 2},${1020 + (i % 5)},${['NW', 'SE', 'cv', 'NE'][i % 4]},${(i % 50) * 1.79},0,${i % 30 === 0 ? 1 : 0}`;
    });
    const { proposal: p } = inspect(['No,year,month,day,hour,pm2.5,DEWP,TEMP,PRES,cbwd,Iws,Is,Ir', ...rows].join('\n'), 'PRSA_data.csv');
    const role = (n: string) => p.columns.find((c) => c.name === n)?.role;
    expect([role('No'), role('year'), role('month'), role('day'), role('hour')]).toEqual(['id', 'time-part', 'time-part', 'time-part', 'time-part']);
    expect(p.time).toMatchObject({ columns: ['year', 'month', 'day', 'hour'], interval: 'hourly' });
    expect(p.choice.target).toBe('pm2.5');
    expect(p.choice.input).not.toContain('No');
    expect(p.choice.input).not.toContain('hour');
    expect(p.reason).toMatch(/first measurement/);
    // the other measurements are ranked alternatives, one click away, each with its reason
    const others = p.candidates.filter((c) => c.shape === 'many-to-one' && c.choice.target !== 'pm2.5');
    expect(others.length).toBeGreaterThan(0);
    for (const c of p.candidates) expect(c.reason.length).toBeGreaterThan(10);
  });

  it('a long-format frame table: "split" is honoured as the split, never the target; the speaker is not an input', () => {
    const rows: string[] = [];
    for (let u = 0; u < 60; u++) for (let f = 0; f < 8; f++) rows.push(`${u % 10 < 7 ? 'train' : 'test'},spk${u % 6},${u},${f},${(Math.sin(u + f) + (u % 3)).toFixed(3)},${(Math.cos(u * f) - (u % 3)).toFixed(3)},${['a', 'e', 'i'][u % 3]}`);
    const { proposal: p, parsed } = inspect(['split,speaker,utterance,frame,f1,f2,vowel', ...rows].join('\n'), 'frames.csv');
    expect(p.columns.find((c) => c.name === 'split')?.role).toBe('split');
    expect(p.choice.target).not.toBe('split');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', sequence: 'utterance', target: 'vowel', split: 'split' });
    expect(p.choice.input).toEqual(['f1', 'f2']);
    const d = buildTrainingData(parsed, {}, 'frames.csv');
    expect(d.summary).toMatch(/the file's own split \(42 train, 18 test/);
  });

  it('label⇥text without a header is text classification, not translation', () => {
    const msgs = range(200, (i) => (i % 5 === 0 ? `spam\tWINNER!! Claim your prize number ${i} now, call 0900${i}` : `ham\tOk see you at ${i % 12} then, bring the ${['book', 'keys', 'car'][i % 3]} please`));
    const { proposal: p, format } = inspect(msgs.join('\n'), 'SMSSpamCollection');
    expect(format).toBe('tsv');
    expect(p).toMatchObject({ shape: 'many-to-one', choice: { target: '1', input: ['2'] } });
  });

  it('a headerless word⇥PHONEMES file keeps its first pair as data', () => {
    const words = ['aardvark', 'abacus', 'abandon', 'abbey', 'abbot', 'abide', 'ability', 'able', 'aboard', 'abode', 'about', 'above'];
    const phones = ['AA1 R D V AA2 R K', 'AE1 B AH0 K AH0 S', 'AH0 B AE1 N D AH0 N', 'AE1 B IY0', 'AE1 B AH0 T', 'AH0 B AY1 D', 'AH0 B IH1 L AH0 T IY0', 'EY1 B AH0 L', 'AH0 B AO1 R D', 'AH0 B OW1 D', 'AH0 B AW1 T', 'AH0 B AH1 V'];
    const { proposal: p, parsed } = inspect(words.map((w, i) => `${w}\t${phones[i]}`).join('\n'), 'cmudict.tsv');
    expect((parsed as ParsedTable).header).toBe(false);
    expect(p.rows).toBe(12);
    expect(p).toMatchObject({ shape: 'encoder-decoder', choice: { input: ['1'], target: '2' } });
  });

  it('token⇥TAG lines with blank lines between sentences, named .tsv, are a tagging file', () => {
    const text = 'EU\tB-ORG\nrejects\tO\nGerman\tB-MISC\ncall\tO\n\nPeter\tB-PER\nBlackburn\tI-PER\n\nBRUSSELS\tB-LOC\n1996-08-22\tO\n';
    const { format, proposal: p } = inspect(text, 'train.tsv');
    expect(format).toBe('conll');
    expect(p.shape).toBe('many-to-many');
  });

  it('blocks of numbers separated by blank lines are sequences, and the proposal can be trained', () => {
    const blocks = range(30, (b) => range(5 + (b % 4), (t) => range(3, (k) => (Math.sin(b + t * (k + 1)) + b / 10).toFixed(4)).join(' ')).join('\n')).join('\n\n');
    const { format, proposal: p, parsed } = inspect(blocks, 'ae.train');
    expect(format).toBe('blocks');
    expect(p.choice.sequence).toBe('block');
    expect(() => buildTrainingData(parsed, {}, 'ae.train')).not.toThrow();
  });

  it('ten years of daily temperatures repeat yearly (lookback ≥ 365); daily births weekly', () => {
    const days = 3650;
    const temps = range(days, (i) => (11 + 6 * Math.sin((2 * Math.PI * i) / 365.25) + 2 * Math.sin(i * 1.7) + ((i * 13) % 7) / 3).toFixed(1));
    const { proposal: t } = inspect(['"Date","Temp"', ...temps.map((v, i) => `"${new Date(D(1981, 1, 1) + i * 86_400_000).toISOString().slice(0, 10)}",${v}`)].join('\n'), 'daily-min-temperatures.csv');
    expect(t.time?.periods).toEqual([7, 365]);
    expect(t.choice.season).toBe(365);
    expect(t.choice.lookback).toBeGreaterThanOrEqual(365);
    const births = range(1000, (i) => Math.round(10000 - ((i + 5) % 7 >= 5 ? 2500 : 0) + 300 * Math.sin((2 * Math.PI * i) / 365) + ((i * 31) % 97)));
    const { proposal: b } = inspect(['date,births', ...births.map((v, i) => `${new Date(D(1994, 1, 1) + i * 86_400_000).toISOString().slice(0, 10)},${v}`)].join('\n'), 'births.csv');
    expect(b.choice.season).toBe(7);
    expect(seasonalStrength(births, 7)).toBeGreaterThan(seasonalStrength(births, 365));
  });

  it('row numbers, ids and split markers are recognised and left out of inputs and targets', () => {
    const rows = range(120, (i) => `${i + 1},item-${(i * 7919) % 1000},${['train', 'dev', 'test'][i % 3]},${(i % 9) / 3},${(Math.sin(i) * 10).toFixed(2)},${i % 4 === 0 ? 'yes' : 'no'}`);
    const t = table(['rownames,code,set,x,y,label', ...rows].join('\n'), 'rows.csv');
    const f = analyseTable(t);
    expect(f.columns.map((c) => c.role)).toEqual(['id', 'id', 'split', 'value', 'value', 'category']);
    expect(f.byName('set')!.why).toMatch(/mark the split/);
    const p = propose(t, 'rows.csv');
    expect(p.choice.input ?? []).not.toContain('rownames');
    expect(p.choice.target).not.toBe('set');
  });

  it('a headerless numeric table: the last column is the target, a column of consecutive years the time', () => {
    const csv = range(16, (i) => `${83 + i},${234 + 10 * i + (i % 3)},${235 - (i % 5) * 7},${159 + i},${107 + i * 1.1},${1947 + i},${60 + i * 0.7 + (i % 2)}`).join('\n');
    const { proposal: p } = inspect(csv, 'longley.csv');
    expect(p.columns.map((c) => c.name)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(p.choice.target).toBe('7');
    expect(p.time?.columns).toEqual(['6']);
    expect(p.reason).toMatch(/without a header keep the target/);
  });

  it('Wisconsin breast cancer: the diagnosis (M or B) among 30 measurements, not the last measurement; one column of classes among measurements', () => {
    const feats = ['radius_mean', 'texture_mean', 'perimeter_mean', 'area_mean', 'smoothness_mean'];
    const rows = range(80, (i) => `${842302 + 13 * i},${i % 3 ? 'B' : 'M'},${feats.map((_, k) => (10 + ((i * (k + 3)) % 17) + k / 7).toFixed(2)).join(',')},`);
    const { proposal: p } = inspect([`id,diagnosis,${feats.join(',')},Unnamed: 32`, ...rows].join('\n'), 'data.csv');
    expect(p.choice).toMatchObject({ shape: 'one-to-one', target: 'diagnosis', input: feats });
    // the same with a name that says nothing: the one column of classes is what the measurements are kept for
    const { proposal: q } = inspect([`id,kind,${feats.join(',')}`, ...rows.map((r) => r.slice(0, -1))].join('\n'), 'cells.csv');
    expect(q.choice).toMatchObject({ shape: 'one-to-one', target: 'kind' });
    expect(q.reason).toMatch(/the one column of classes among 5 measurements/);
  });

  it("Delhi's daily climate: meantemp and meanpressure are the weather (a statistic written onto the word), the temperature forecast", () => {
    const rows = range(60, (i) => `2013-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},${(10 + Math.sin(i / 9) * 5).toFixed(3)},${(80 + (i % 13)).toFixed(2)},${((i * 7) % 11).toFixed(2)},${(1015 + (i % 5)).toFixed(2)}`);
    const { proposal: p } = inspect(['date,meantemp,humidity,wind_speed,meanpressure', ...rows].join('\n'), 'DailyDelhiClimateTrain.csv');
    expect(p.choice.target).toBe('meantemp');
    expect(p.reason).not.toMatch(/beside the weather/);
  });

  it("NASA's turbofan run-to-failure file (train_FD001.txt): space-separated numbers are a table, one sequence per unit ordered by cycle", () => {
    const rows: string[] = [];
    for (let u = 1; u <= 6; u++) for (let c = 1; c <= 40 + 5 * u; c++) rows.push(`${u} ${c} ${(((u * c) % 7) - 3) / 1e4} 0.0003 100.0 ${Array.from({ length: 21 }, (_, k) => (500 + 10 * k + c / (40 + 5 * u) + ((c * (k + 1)) % 5) / 10).toFixed(2)).join(' ')}  `);
    const { parsed, proposal: p } = inspect(rows.join('\n'), 'train_FD001.txt');
    expect(parsed.kind).toBe('table');
    expect((parsed as ParsedTable).columns.length).toBe(26);
    // the unit is a key and the cycle its step, not a class to read each row into
    expect(p.columns.slice(0, 2).map((c) => c.role)).toEqual(['key', 'step']);
    expect(p.choice).toMatchObject({ shape: 'many-to-one', sequence: '1' });
    expect(p.choice.wide).toBeUndefined();
  });

  it("Beijing's stations: a row number starting again in each station's series is no measurement; PM2.5 forecast per station", () => {
    const rows: string[] = [];
    for (const st of ['Aotizhongxin', 'Changping', 'Dingling'])
      for (let i = 0; i < 120; i++) rows.push(`${i + 1},2013,3,${1 + Math.floor(i / 24)},${i % 24},${(80 + 40 * Math.sin(i / 9) + st.length).toFixed(0)},${(2 + (i % 7)).toFixed(1)},${(1015 + (i % 5)).toFixed(1)},${st}`);
    const { proposal: p } = inspect(['No,year,month,day,hour,PM2.5,TEMP,PRES,station', ...rows].join('\n'), 'PRSA_Data.csv');
    expect(p.columns.find((c) => c.name === 'No')).toMatchObject({ role: 'id' });
    expect(p.choice).toMatchObject({ target: 'PM2.5', sequence: 'station' });
  });

  it("OWID's COVID table: the daily count forecast, not its running total, nor the last measurement before the countries' properties", () => {
    const rows: string[] = [];
    for (const [iso, loc, pop] of [['AFG', 'Afghanistan', 41128772], ['ALB', 'Albania', 2842318]] as const) {
      let total = 0;
      for (let i = 0; i < 90; i++) {
        const n = Math.round(50 + 30 * Math.sin(i / 5) + (i % 7) * 4 + (iso === 'ALB' ? 10 : 0));
        total += n;
        rows.push(`${iso},${loc},2020-${String(3 + Math.floor(i / 30)).padStart(2, '0')}-${String(1 + (i % 30)).padStart(2, '0')},${total},${n},${(20 + (i % 11) * 3.5).toFixed(2)},${pop},${iso === 'AFG' ? '18.6' : '38.0'}`);
      }
    }
    const { proposal: p } = inspect(['iso_code,location,date,total_cases,new_cases,stringency_index,population,median_age', ...rows].join('\n'), 'owid-covid-data.csv');
    expect(p.choice).toMatchObject({ target: 'new_cases', sequence: 'iso_code' });
    expect(p.reason).toMatch(/"total_cases" its running total/);
  });

  it("weatherAUS: RainTomorrow, named as the next day's value, is what the table was made to predict", () => {
    const rows: string[] = [];
    for (const loc of ['Albury', 'Cobar'])
      for (let i = 0; i < 80; i++) {
        const rain = (i * 7) % 9 === 0 ? ((i % 5) + 1.2).toFixed(1) : '0.0';
        rows.push(`2008-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},${loc},${(10 + (i % 9)).toFixed(1)},${(22 + (i % 7)).toFixed(1)},${rain},${40 + (i % 30)},${rain === '0.0' ? 'No' : 'Yes'},${(i * 5) % 9 === 0 ? 'Yes' : 'No'}`);
      }
    const { proposal: p } = inspect(['Date,Location,MinTemp,MaxTemp,Rainfall,Humidity3pm,RainToday,RainTomorrow', ...rows].join('\n'), 'weatherAUS.csv');
    expect(p.choice).toMatchObject({ shape: 'one-to-one', target: 'RainTomorrow' });
    expect(p.reason).toMatch(/named as the next step's value/);
  });

  it("the long-term forecasting benchmarks' weather.csv: OT is their target, after a table of the weather", () => {
    const rows = range(200, (i) => `2020-01-${String(1 + Math.floor(i / 144)).padStart(2, '0')} ${String(Math.floor((i % 144) / 6)).padStart(2, '0')}:${String((i % 6) * 10).padStart(2, '0')}:00,${(1008 + (i % 7)).toFixed(2)},${(5 + Math.sin(i / 20) * 4).toFixed(2)},${(80 + (i % 11)).toFixed(2)},${((i * 3) % 5).toFixed(2)},${(420 + ((i * 7) % 13)).toFixed(2)}`);
    const { proposal: p } = inspect(['date,p (mbar),T (degC),rh (%),wv (m/s),OT', ...rows].join('\n'), 'weather.csv');
    expect(p.choice.target).toBe('OT');
  });

  it('a headerless file of id, entity, sentiment, text: the label next to the text (twitter_training.csv)', () => {
    const ents = Array.from({ length: 30 }, (_, k) => `Entity${k}`);
    const words = ['game', 'update', 'love', 'hate', 'broken', 'great', 'fun', 'bad', 'video', 'server'];
    const rows = range(600, (i) => `${2401 + Math.floor(i / 6)},${ents[(i * 7) % 30]},${['Positive', 'Negative', 'Neutral', 'Irrelevant'][i % 4]},"${Array.from({ length: 6 + (i % 9) }, (_, k) => words[(i + k * 3) % 10]).join(' ')} ${i}"`);
    const { proposal: p } = inspect(rows.join('\n'), 'twitter_training.csv');
    expect(p.choice).toMatchObject({ input: ['4'], target: '3' });
    expect(p.reason).toMatch(/next to the text/);
  });

  it('abalone with a header: its Rings, the count it ends in, not its Sex, the one column of classes', () => {
    const rows = range(120, (i) => `${'MFI'[i % 3]},${(0.3 + (i % 7) / 20).toFixed(3)},${(0.2 + (i % 5) / 20).toFixed(3)},${(0.1 + (i % 3) / 20).toFixed(3)},${(0.5 + (i % 11) / 10).toFixed(4)},${1 + ((i * 7) % 23)}`);
    const { proposal: p } = inspect(['Sex,Length,Diameter,Height,Whole weight,Rings', ...rows].join('\n'), 'abalone.csv');
    expect(p.choice.target).toBe('Rings');
  });

  it('a split column whose values carry a longer tag (train-clean, dev-clean, test-clean) is still the split', () => {
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'far', 'away'];
    const rows = range(90, (i) => `"${Array.from({ length: 5 + (i % 6) }, (_, k) => words[(i + k * 3) % 10]).join(' ')} ${i}",${i % 2 ? 'yes' : 'no'},${['train-clean', 'dev-clean', 'test-clean'][i % 3]}`);
    const { proposal: p } = inspect(['sentence,label,subset', ...rows].join('\n'), 'speech.csv');
    expect(p.choice).toMatchObject({ target: 'label', split: 'subset' });
  });

  it('GLUE as it ships: CoLA (source code, label, a mostly empty mark, sentence) → its label; MultiNLI → both sentences, not their parse trees', () => {
    const words = ['the', 'cat', 'dog', 'sat', 'ran', 'on', 'a', 'mat', 'far', 'away'];
    const sent = (i: number, n: number): string => Array.from({ length: n }, (_, k) => words[(i * 3 + k * 7) % 10]).join(' ');
    const sources = ['gj04', 'bc01', 'ad03', 'c-05', 'w_80', 'r-67', 'd_98'];
    const cola = range(300, (i) => `${sources[i % 7]}\t${i % 3 ? 1 : 0}\t${i % 3 ? '' : '*'}\t${sent(i, 4 + (i % 9))} ${i}.`);
    const { proposal: c } = inspect(cola.join('\n'), 'in_domain_train.tsv');
    expect(c.choice).toMatchObject({ input: ['4'], target: '2' });
    const mnli = range(300, (i) => `${i}\t${31193 + i}\t${['government', 'fiction'][i % 2]}\t( ( ${sent(i, 6)} ) ( ${i} ) )\t( ( ${sent(i + 1, 4)} ) ( ${i} ) )\t${sent(i, 6)} ${i}\t${sent(i + 1, 4)} ${i}\t${['neutral', 'entailment', 'contradiction'][i % 3]}`);
    const { proposal: m } = inspect(['index\tpromptID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1\tsentence2\tgold_label', ...mnli].join('\n'), 'multinli_train.tsv');
    expect(m.choice).toMatchObject({ input: ['sentence1', 'sentence2'], target: 'gold_label' });
  });

  it('one number a line (a series written out, with or without a name) is a series, not text', () => {
    const { parsed, proposal: p } = inspect(range(300, (i) => (0.9 + 0.3 * Math.sin(i / 17)).toFixed(8)).join('\n'), 'mackey_glass.txt');
    expect(parsed.kind).toBe('table');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: '1' });
    // …with a few gaps written NA
    const gaps = inspect(range(300, (i) => (i % 20 === 7 ? 'NA' : (0.9 + 0.3 * Math.sin(i / 17)).toFixed(8))).join('\n'), 'gaps.txt');
    expect(gaps.parsed.kind).toBe('table');
  });

  it('levels that look like codes but are named as labels (CEFR A1 … C2) are the classes', () => {
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'far', 'away'];
    const rows = range(300, (i) => `"${Array.from({ length: 6 + (i % 9) }, (_, k) => words[(i + k * 3) % 10]).join(' ')} ${i}",${['A1', 'A2', 'B1', 'B2', 'C1', 'C2'][i % 6]}`);
    expect(inspect(['text,label', ...rows].join('\n'), 'cefr.csv').proposal.choice).toMatchObject({ input: ['text'], target: 'label' });
  });

  it("SILSO's headerless monthly sunspots: year and month told by their values, the decimal year no measurement, the first value the target", () => {
    const csv = range(60, (i) => {
      const [y, m] = [1749 + Math.floor(i / 12), (i % 12) + 1];
      return `${y};${String(m).padStart(2, '0')};${(y + (m - 0.5) / 12).toFixed(3)};${(80 + 40 * Math.sin(i / 7) + (i % 5)).toFixed(1).padStart(6)};${i < 30 ? ' -1.0' : (5 + (i % 7)).toFixed(1).padStart(5)};${String(i < 30 ? -1 : 20 + (i % 9)).padStart(5)};1`;
    }).join('\n');
    const { proposal: p } = inspect(csv, 'SN_m_tot_V2.0.csv');
    expect(p.time).toMatchObject({ columns: ['1', '2'], interval: 'monthly' });
    expect(p.columns.find((c) => c.name === '3')).toMatchObject({ role: 'time-part' });
    expect(p.choice.target).toBe('4');
    expect(p.reason).toMatch(/the first measurement/);
    // the daily file: year, month, day, then a decimal year to three decimals (steps of 0.002 or 0.003)
    const daily = range(400, (i) => {
      const d = new Date(Date.UTC(1818, 0, 1 + i));
      const doy = Math.round((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 864e5);
      return `${d.getUTCFullYear()};${String(d.getUTCMonth() + 1).padStart(2, '0')};${String(d.getUTCDate()).padStart(2, '0')};${(d.getUTCFullYear() + (doy + 0.5) / 365).toFixed(3)};${String((i * 37) % 200).padStart(4)};${((i * 7) % 20).toFixed(1)};${(i * 11) % 30};1`;
    }).join('\n');
    const { proposal: q } = inspect(daily, 'SN_d_tot_V2.0.csv');
    expect(q.time).toMatchObject({ columns: ['1', '2', '3'], interval: 'daily' });
    expect(q.choice.target).toBe('5');
    // sorted ids beside a rating of 1–10 are no year and month
    const ids = range(300, (i) => `${1001 + 3 * i},${1 + ((i * 7) % 10)},${i % 2}`).join('\n');
    expect(inspect(ids, 'ratings.csv').proposal.time).toBeUndefined();
  });

  it('European exports: ";" with decimal commas, −200 for "no value", empty trailing columns and rows', () => {
    const rows = range(72, (i) => {
      const t = new Date(D(2004, 3, 10, 18) + i * 3600_000);
      const date = `${String(t.getUTCDate()).padStart(2, '0')}/${String(t.getUTCMonth() + 1).padStart(2, '0')}/${t.getUTCFullYear()}`;
      return `${date};${String(t.getUTCHours()).padStart(2, '0')}.00.00;${i % 10 === 3 ? -200 : (2 + (i % 5) / 10).toFixed(1).replace('.', ',')};${1300 + i};;`;
    });
    const { parsed, proposal: p } = inspect(['Date;Time;CO(GT);PT08.S1(CO);;', ...rows, ';;;;;', ';;;;;'].join('\n'), 'AirQualityUCI.csv');
    const t = parsed as ParsedTable;
    expect(t.columns.map((c) => c.name)).toEqual(['Date', 'Time', 'CO(GT)', 'PT08.S1(CO)']);
    expect(t.rows).toBe(72);
    const co = t.columns[2];
    expect(co.numbers![0]).toBeCloseTo(2.0, 6);
    expect(co.sentinel).toEqual({ value: -200, count: 7 });
    expect(co.missing).toBe(7);
    expect(p.time).toMatchObject({ columns: ['Date', 'Time'], interval: 'hourly' });
    expect(p.choice.target).toBe('CO(GT)');
  });

  it('structure from content: `wrong->right` pairs, label-first lines, a JSON object of splits', () => {
    expect(inspect('aache->cache, ache,\nabandonned->abandoned\nabbout->about\nabilty->ability\n', 'dictionary.txt').format).toBe('pairs');
    const trec = range(40, (i) => `${['DESC:manner', 'HUM:ind', 'NUM:date', 'LOC:city'][i % 4]} what is the question number ${i} about here ?`).join('\n');
    const tq = inspect(trec, 'train.label');
    expect([tq.format, tq.proposal.choice.target, tq.proposal.choice.input]).toEqual(['labelled', 'label', ['text']]);
    const json = JSON.stringify({ train: range(30, (i) => [`play song number ${i}`, i % 2 ? 'play_music' : 'weather']), val: range(6, (i) => [`what is the weather ${i}`, 'weather']), test: range(6, (i) => [`put on track ${i}`, 'play_music']) });
    const cj = inspect(json, 'data_full.json');
    expect(cj.proposal.choice).toMatchObject({ target: '2', input: ['1'], split: 'split' });
  });
});
