// parseFile on temporary files (errors, progress, hashing) and on every real dataset in ../shared/datasets.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { groupSequences } from './formats/sequences';
import { parseFile } from './parse';
import { propose } from './propose';
import { DataError, type ImportProgress, type Parsed, type ParsedTable } from './parsed';

const dir = mkdtempSync(join(tmpdir(), 'parse-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, data: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
async function dataError(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('parseFile', () => {
  it('parses a CSV, hashes the bytes, reports progress', async () => {
    const text = 'date,value,kind\n2024-01-01,1.5,a\n2024-01-02,NA,b\n2024-01-03,3,a\n';
    const seen: ImportProgress[] = [];
    const r = await parseFile(write('s.csv', text), { onProgress: (p) => seen.push(p) });
    expect(r.format).toBe('csv');
    expect(r.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(r.bytes).toBe(text.length);
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.columns.map((c) => c.type)).toEqual(['date', 'numeric', 'categorical']);
    expect(seen.at(-1)).toEqual({ bytesRead: text.length, bytesTotal: text.length, rows: 3 });
  });

  it('streams a multi-chunk file: rows across chunk boundaries, lines right', async () => {
    const lines = ['a,b,c'];
    for (let i = 0; i < 120_000; i++) lines.push(`${i},"x, ${i % 7}",${i * 0.5}`);
    const r = await parseFile(write('big.csv', lines.join('\n')));
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.rows).toBe(120_000);
    expect(r.parsed.columns[1].type).toBe('categorical');
    expect(r.parsed.columns[2].numbers![119_999]).toBe(119_999 * 0.5);
    expect(r.parsed.lineOfRow[119_999]).toBe(120_001);
  });

  it('bad input: missing, empty, blank, binary, invalid UTF-8 (with its line), ragged, a folder, too big', async () => {
    expect((await dataError(parseFile(join(dir, 'nope.csv')))).reason).toMatch(/no such file/);
    expect((await dataError(parseFile(write('empty.csv', '')))).reason).toMatch(/empty/);
    expect((await dataError(parseFile(write('blank.txt', '\n  \n')))).reason).toMatch(/empty/);
    const bin = await dataError(parseFile(write('bin.dat', new Uint8Array([1, 2, 10, 0, 5]))));
    expect(bin.reason).toMatch(/binary/);
    expect(bin.line).toBe(2);
    // not UTF-8 and not text in a single-byte encoding either (control bytes): refused, with its line
    const bad = await dataError(parseFile(write('noise.csv', Buffer.concat([Buffer.from('a,b\n1,2\ncaf'), Buffer.from([0xe9, 0x01, 0x02]), Buffer.from(',3\n')]))));
    expect(bad.line).toBe(3);
    expect(bad.reason).toMatch(/not valid UTF-8/);
    expect(bad.hint).toMatch(/save the file as UTF-8/);
    const rag = await dataError(parseFile(write('rag.csv', 'a,b\n1,2\n3,4,5\n')));
    expect([rag.file, rag.line]).toEqual(['rag.csv', 3]);
    expect((await dataError(parseFile(dir))).reason).toMatch(/folder/);
    expect((await dataError(parseFile(write('big.txt', 'x'.repeat(100)), { maxBytes: 10 }))).reason).toMatch(/limit/);
  });

  it('a file in Windows-1252 / Latin-1 (not UTF-8) is read so, and says so: a spreadsheet export, Kaggle\'s spam.csv', async () => {
    const bytes = Buffer.concat([Buffer.from('v1,v2,,,\nham,Ok lar... Joking wif u oni...,,,\nspam,WINNER!! a '), Buffer.from([0xa3]), Buffer.from('900 prize reward! caf'), Buffer.from([0xe9]), Buffer.from(',,,\n')]);
    const r = await parseFile(write('spam.csv', bytes));
    expect(r.notes[0]).toMatch(/^read as Windows-1252 \(Western European\): not valid UTF-8 \(line 3: "spam,WINNER!! a £900 prize reward! café,…"\)/);
    expect(r.parsed.kind).toBe('table');
    const t = r.parsed as ParsedTable;
    expect(t.columns.map((c) => c.name)).toEqual(['v1', 'v2']); // the header's unnamed empty columns dropped
    expect(t.columns[1].strings![1]).toBe('WINNER!! a £900 prize reward! café');
    expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('files as public datasets ship them: columns lined up with spaces, a footer line, text;label, numbers marked "?", rows ending in ";"', async () => {
    // UCR's old ECG200_TRAIN.txt: a class, then the series, in fixed-width scientific notation
    const ecg = Array.from({ length: 30 }, (_, r) => [r % 2 ? 1 : -1, ...Array.from({ length: 20 }, (_, k) => Math.sin(k / 3 + r))].map((v) => v.toExponential(7).padStart(16)).join('')).join('\n');
    const u = await parseFile(write('ECG200_TRAIN.txt', `${ecg}\n`));
    if (u.parsed.kind !== 'table') throw new Error(u.parsed.kind);
    expect([u.format, u.parsed.columns.length, u.parsed.rows, u.parsed.columns[0].numbers![0]]).toEqual(['csv', 21, 30, -1]);
    expect(u.notes).toContain('separator spaces (columns lined up)');
    // DataMarket's shampoo.csv: a blank line and a title after the last row
    const shampoo = `"Month","Sales"\n"1-01",266.0\n"1-02",145.9\n"1-03",183.1\n\nSales of shampoo over a three year period\n`;
    const sh = await parseFile(write('shampoo.csv', shampoo));
    if (sh.parsed.kind !== 'table') throw new Error(sh.parsed.kind);
    expect(sh.parsed.rows).toBe(3);
    expect(sh.notes).toContain('line 6: "Sales of shampoo over a three year period" after the table, a footer: skipped');
    // …but a short row with more rows after it is still a broken row, named at its line
    const broken = await dataError(parseFile(write('broken.csv', `${shampoo}"3-01",12.0\n`)));
    expect(broken.message).toMatch(/broken\.csv:6: expected 2 columns \(as in the first row\), found 1/);
    // the emotion dataset: `text;label`, no header
    const feelings = ['sadness', 'joy', 'anger', 'fear', 'love'];
    const emo = Array.from({ length: 40 }, (_, i) => `i did not feel ${['well', 'humiliated', 'so good', 'at home', 'calm'][i % 5]} today number ${i};${feelings[i % 5]}`).join('\n');
    const e = await parseFile(write('emotion_train.txt', `${emo}\n`));
    if (e.parsed.kind !== 'table') throw new Error(e.parsed.kind);
    expect(e.reason).toMatch(/";"-separated text and a label of few values/);
    expect(e.parsed.columns.map((c) => c.type)).toEqual(['text', 'categorical']);
    // the Melbourne minimum temperatures: three values written "?0.2"
    const temps = ['"Date","Temp"', ...Array.from({ length: 40 }, (_, i) => `"1981-01-${String((i % 28) + 1).padStart(2, '0')}",${i === 7 ? '?0.2' : (10 + (i % 5)).toFixed(1)}`)];
    const m = await parseFile(write('temps.csv', temps.join('\n')));
    if (m.parsed.kind !== 'table') throw new Error(m.parsed.kind);
    expect(m.parsed.columns[1]).toMatchObject({ type: 'numeric', missing: 1 });
    expect(m.notes).toContain('"Temp": 1 cell holds a number with a mark of doubt ("?0.2" on line 9): read as missing');
    // …but a column of marked values (star ratings "4*") is what it says, not missing numbers
    const stars = await parseFile(write('stars.csv', ['hotel,rating', ...Array.from({ length: 40 }, (_, i) => `h${i},${1 + (i % 5)}*`)].join('\n')));
    if (stars.parsed.kind !== 'table') throw new Error(stars.parsed.kind);
    expect(stars.parsed.columns[1]).toMatchObject({ type: 'categorical', missing: 0 });
    // numbers written with commas between the thousands, quoted ("2,146", as spreadsheets export them)
    const visits = await parseFile(write('daily-website-visitors.csv', ['Row,Date,Page.Loads', ...Array.from({ length: 30 }, (_, i) => `${i + 1},9/${i + 1}/2014,"${i % 2 ? '987' : `${2 + (i % 3)},${String(100 + i).padStart(3, '0')}`}"`)].join('\n')));
    if (visits.parsed.kind !== 'table') throw new Error(visits.parsed.kind);
    expect(visits.parsed.columns[2]).toMatchObject({ type: 'numeric', missing: 0 });
    expect(Array.from(visits.parsed.columns[2].numbers!.slice(0, 3))).toEqual([2100, 987, 4102]);
    expect(visits.notes).toContain('"Page.Loads" holds numbers written with commas between the thousands ("2,100" on line 2): read as numbers');
    // …while a column of words keeps such cells as written
    const mixed = await parseFile(write('mixed.csv', ['id,size', ...Array.from({ length: 30 }, (_, i) => `${i},"${i === 0 ? '1,200' : i % 2 ? 'large' : 'small'}"`)].join('\n')));
    if (mixed.parsed.kind !== 'table') throw new Error(mixed.parsed.kind);
    expect(mixed.parsed.columns[1].strings![0]).toBe('1,200');
    // Google Trends' multiTimeline.csv: a preamble, then weeks where interest "<1" is a bound, not a value
    const trends = ['Category: All categories', '', 'Week,deep learning: (Worldwide)', ...Array.from({ length: 40 }, (_, i) => `2016-${String(1 + Math.floor(i / 4)).padStart(2, '0')}-${String(1 + 7 * (i % 4)).padStart(2, '0')},${i < 3 ? '<1' : 10 + i}`)];
    const gt = await parseFile(write('multiTimeline.csv', trends.join('\n')));
    if (gt.parsed.kind !== 'table') throw new Error(gt.parsed.kind);
    expect(gt.parsed.columns.map((c) => c.type)).toEqual(['date', 'numeric']);
    expect(Array.from(gt.parsed.columns[1].numbers!.slice(0, 4))).toEqual([1, 1, 1, 13]);
    expect(gt.notes).toContain('"deep learning: (Worldwide)": 3 cells give a bound, not a value ("<1" on line 4, …): read as the bound');
    // …while groups written as bounds among words ("<18", "18-30", ">65") stay as written
    const ages = await parseFile(write('ages.csv', ['person,age group', ...Array.from({ length: 30 }, (_, i) => `p${i},${['<18', '18-30', '>65'][i % 3]}`)].join('\n')));
    if (ages.parsed.kind !== 'table') throw new Error(ages.parsed.kind);
    expect(ages.parsed.columns[1].strings!.slice(0, 3)).toEqual(['<18', '18-30', '>65']);
    expect(ages.notes.join(' ')).not.toMatch(/bound/);
    // …and a column of bounds only ("<50", ">=50") is two classes, not one number
    const income = await parseFile(write('income.csv', ['hours,income', ...Array.from({ length: 30 }, (_, i) => `${20 + i},${i % 3 ? '<50' : '>=50'}`)].join('\n')));
    if (income.parsed.kind !== 'table') throw new Error(income.parsed.kind);
    expect(income.parsed.columns[1]).toMatchObject({ type: 'categorical', categories: [{ value: '<50', count: 20 }, { value: '>=50', count: 10 }] });
    // WISDM's raw accelerometer lines: `user,activity,timestamp,x,y,z;`
    const w = await parseFile(write('wisdm.txt', Array.from({ length: 20 }, (_, i) => `33,Jogging,${49105962326000 + i * 5e7},-0.69,12.68,0.5${i};`).join('\n')));
    if (w.parsed.kind !== 'table') throw new Error(w.parsed.kind);
    expect(w.parsed.columns[5]).toMatchObject({ type: 'numeric', missing: 0 });
    expect(w.notes).toContain('every row ends with ";": read as the row\'s end, not part of its last value');
    // UCI's occupancy datatraining.txt, as R writes a table: no name above the row names
    const occ = ['"date","Temperature","Occupancy"', ...Array.from({ length: 12 }, (_, i) => `"${i + 1}","2015-02-04 17:${String(10 + i).padStart(2, '0')}:00",23.${i},${i % 2}`)];
    const o = await parseFile(write('datatraining.txt', occ.join('\n')));
    if (o.parsed.kind !== 'table') throw new Error(o.parsed.kind);
    expect(o.parsed.columns.map((c) => c.type)).toEqual(['numeric', 'date', 'numeric', 'numeric']);
    expect(o.notes).toContain('the first row names one column fewer than the rows hold: the first column, unnamed, holds row names (as R writes them)');
    // UCI's LD2011_2014.txt: ";"-separated, decimal commas, a .txt: a table
    const ld = ['"";"MT_001";"MT_002"', ...Array.from({ length: 30 }, (_, i) => `"2011-01-01 ${String(i % 24).padStart(2, '0')}:15:00";${i < 5 ? '0' : `${i},5`};${i * 2},25`)];
    const l = await parseFile(write('LD2011_2014.txt', ld.join('\n')));
    expect(l.format).toBe('csv');
    if (l.parsed.kind !== 'table') throw new Error(l.parsed.kind);
    expect(l.parsed.columns[1].numbers![6]).toBe(6.5);
    // a wide table of series, a column per date (Wikipedia page views; JHU's counts with Lat, Long before the dates)
    const days = Array.from({ length: 25 }, (_, i) => new Date(Date.UTC(2020, 0, 22 + i)));
    const jhu = [`Province/State,Country/Region,Lat,Long,${days.map((d) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/20`).join(',')}`, ...['France', 'Albania', 'France'].map((c, k) => `${k === 2 ? 'Reunion' : ''},${c},${10 + k},${20 + k},${days.map((_, i) => (k === 1 && i < 3 ? '' : i * (k + 1))).join(',')}`)];
    const j = await parseFile(write('time_series_covid19_confirmed_global.csv', jhu.join('\n')));
    if (j.parsed.kind !== 'table') throw new Error(j.parsed.kind);
    expect(j.parsed.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['Province/State+Country/Region:categorical', 'Lat:numeric', 'Long:numeric', 'date:date', 'value:numeric']);
    expect(j.parsed.rows).toBe(25 + 22 + 25); // Albania's series starts three days late
    expect(j.parsed.columns[0].strings![60]).toBe('Reunion/France');
    expect(j.notes).toContain('a wide table of 3 series, one a row, a column per date (1/22/20 … 2/15/20): read as one series per "Province/State+Country/Region" ("date", "value")');
    // M4's Monthly-train.csv: an id, then "V2"… with rows of different lengths; UCR's labelled rows are not melted
    const m4 = ['"V1",' + Array.from({ length: 30 }, (_, k) => `"V${k + 2}"`).join(','), ...[30, 24, 27].map((n, r) => `"M${r + 1}",${Array.from({ length: 30 }, (_, k) => (k < n ? String(100 + k + r) : '')).join(',')}`)];
    const mm = await parseFile(write('Monthly-train.csv', m4.join('\n')));
    if (mm.parsed.kind !== 'table') throw new Error(mm.parsed.kind);
    expect(mm.parsed.columns.map((c) => c.name)).toEqual(['V1', 'step', 'value']);
    expect(mm.parsed.rows).toBe(30 + 24 + 27);
    // M5's sales_train_validation.csv: ids and categories, then a column per numbered day "d_1"… (rows all as long)
    const m5 = ['id,item_id,store_id,' + Array.from({ length: 25 }, (_, k) => `d_${k + 1}`).join(','), ...[0, 1, 2].map((r) => `HOBBIES_1_00${r}_CA_1_validation,HOBBIES_1_00${r},CA_1,${Array.from({ length: 25 }, (_, k) => (k * r) % 4).join(',')}`)];
    const m5r = await parseFile(write('sales_train_validation.csv', m5.join('\n')));
    if (m5r.parsed.kind !== 'table') throw new Error(m5r.parsed.kind);
    expect(m5r.parsed.columns.map((c) => c.name)).toEqual(['id', 'item_id', 'store_id', 'step', 'value']);
    expect(m5r.parsed.rows).toBe(75);
    expect(Array.from(m5r.parsed.columns[3].numbers!.slice(0, 3))).toEqual([1, 2, 3]);
    expect(m5r.notes).toContain('a wide table of 3 series, one a row, 25 numbered columns (d_1 … d_25): read as one series per "id" ("step", "value")');
    expect(propose(m5r.parsed, 'sales_train_validation.csv').choice).toMatchObject({ shape: 'many-to-one', target: 'value', sequence: 'id' });
    const ucr = await parseFile(write('ArrowHead_TRAIN.csv', ['label,' + Array.from({ length: 30 }, (_, k) => `t${k}`).join(','), ...Array.from({ length: 6 }, (_, r) => `${r % 2},${Array.from({ length: 30 }, (_, k) => k * r).join(',')}`)].join('\n')));
    if (ucr.parsed.kind !== 'table') throw new Error(ucr.parsed.kind);
    expect(ucr.parsed.columns.length).toBe(31);
    // World Bank's API_*.csv: preamble lines above the table, a column per year, a trailing comma on every line
    const years = Array.from({ length: 30 }, (_, i) => 1990 + i);
    const wb = ['"Data Source","World Development Indicators",', '', '"Last Updated Date","2023-12-18",', '', `"Country Name","Country Code","Indicator Name","Indicator Code",${years.map((y) => `"${y}"`).join(',')},`, ...['Aruba', 'Angola', 'Albania', 'Andorra'].map((c, k) => `"${c}","A${k}","Population, total","SP.POP.TOTL",${years.map((y) => (k === 3 && y < 1995 ? '' : `"${1000 * (k + 1) + y}"`)).join(',')},`)];
    const w2 = await parseFile(write('API_SP.POP.TOTL_DS2_en_csv_v2.csv', wb.join('\n')));
    if (w2.parsed.kind !== 'table') throw new Error(w2.parsed.kind);
    expect(w2.notes).toContain('2 lines above the table skipped as its preamble (line 1: "Data Source World Development Indicators")');
    expect(w2.notes).toContain('a wide table of 4 series, one a row, a column per year (1990 … 2019): read as one series per "Country Name" ("year", "value")');
    expect(w2.parsed.rows).toBe(30 * 3 + 25);
    // a CSV whose first row is narrower than the rest but not by half (R's row names) is no preamble
    const r2 = await parseFile(write('r.csv', ['"x","y"', ...Array.from({ length: 5 }, (_, i) => `"${i + 1}",${i},${i * 2}`)].join('\n')));
    if (r2.parsed.kind !== 'table') throw new Error(r2.parsed.kind);
    expect(r2.parsed.rows).toBe(5);
    // a word that is not a number stays an error at its line (tables.test.ts); code ending in ";" stays text
    const code = await parseFile(write('code.csv', `task,code\n${Array.from({ length: 12 }, (_, i) => `t${i},return x + ${i};`).join('\n')}\n`));
    if (code.parsed.kind !== 'table') throw new Error(code.parsed.kind);
    expect(code.parsed.columns[1].strings![0]).toBe('return x + 0;');
  });

  it('a table of tokens one a row (the GMB NER corpus: "Sentence: 1" on a first word only) is read as tagged sentences', async () => {
    const words = [['Thousands', 'NNS', 'O'], ['of', 'IN', 'O'], ['demonstrators', 'NNS', 'O'], ['marched', 'VBN', 'O'], ['through', 'IN', 'O'], ['London', 'NNP', 'B-geo'], ['.', '.', 'O']];
    const rows = ['Sentence #,Word,POS,Tag'];
    for (let s = 1; s <= 6; s++) words.slice(0, 3 + s).forEach((w, k) => rows.push(`${k === 0 ? `Sentence: ${s}` : ''},${w.join(',')}`));
    const r = await parseFile(write('ner_dataset.csv', rows.join('\n')));
    if (r.parsed.kind !== 'tagged') throw new Error(r.parsed.kind);
    expect(r.parsed.sentences.length).toBe(6);
    expect(r.parsed.sentences[2]).toMatchObject({ tokens: ['Thousands', 'of', 'demonstrators', 'marched', 'through', 'London'], tags: ['O', 'O', 'O', 'O', 'O', 'B-geo'], line: 11 });
    expect(r.notes).toContain('a token a row: 6 sentences ("Sentence #", named on their first word and filled down) of "Word" tagged by "Tag"; "POS" left out');
    // a table whose tags are not BIO tags stays a table
    const plain = await parseFile(write('pos.csv', ['sentence_id,word,pos', ...Array.from({ length: 20 }, (_, i) => `${Math.floor(i / 4)},w${i},${['NN', 'VB'][i % 2]}`)].join('\n')));
    expect(plain.parsed.kind).toBe('table');
  });

  it("a Project Gutenberg book is read without the licence around it, and said", async () => {
    const book = ['CHAPTER I.', 'Down the Rabbit-Hole', '', 'Alice was beginning to get very tired of sitting by her sister on the', 'bank.'];
    const text = ['\uFEFFThe Project Gutenberg eBook of Alice in Wonderland', '', 'This eBook is for the use of anyone anywhere.', '', "*** START OF THE PROJECT GUTENBERG EBOOK ALICE'S ADVENTURES IN WONDERLAND ***", '', ...book, '', "*** END OF THE PROJECT GUTENBERG EBOOK ALICE'S ADVENTURES IN WONDERLAND ***", '', 'Section 1. General Terms of Use', '1.E.1. The full Project Gutenberg License must appear prominently.'].join('\r\n');
    const r = await parseFile(write('pg11.txt', text));
    if (r.parsed.kind !== 'text') throw new Error(r.parsed.kind);
    expect(r.parsed.text).toBe(book.join('\n') + '\n');
    expect(r.parsed.lines).toBe(5);
    expect(r.notes).toEqual([expect.stringMatching(/^a Project Gutenberg book: its licence and notes before line 7 and after line 11 left out \(\d+ characters\), the book itself kept$/)]);
    // a text that only mentions the project is kept whole
    const plain = await parseFile(write('about.txt', 'We read a Project Gutenberg EBOOK today.\nIt was good.\n'));
    expect(plain.parsed.kind === 'text' && plain.parsed.text).toBe('We read a Project Gutenberg EBOOK today.\nIt was good.\n');
  });

  it('a gzip file is read as the file inside it (data.csv.gz as data.csv); one that unpacks past the limit, or to binary, is refused', async () => {
    const csv = ['day,visits', ...Array.from({ length: 60 }, (_, i) => `2024-01-${String((i % 28) + 1).padStart(2, '0')},${100 + i}`)].join('\n');
    const g = await parseFile(write('visits.csv.gz', gzipSync(csv)));
    expect([g.format, g.reason]).toEqual(['csv', '.csv file, inside gzip']);
    if (g.parsed.kind !== 'table') throw new Error(g.parsed.kind);
    expect(g.parsed.rows).toBe(60);
    expect(g.notes[0]).toMatch(/^gzip: \d+ KiB unpacked to \d+ KiB$/);
    const bomb = await dataError(parseFile(write('bomb.txt.gz', gzipSync(Buffer.alloc(5_000_000, 97))), { maxBytes: 1_000_000 }));
    expect(bomb.reason).toMatch(/unpacks to more than the limit \(1 MiB\)/);
    const tar = await dataError(parseFile(write('archive.tar.gz', gzipSync(Buffer.concat([Buffer.from('data.csv'), Buffer.alloc(100)])))));
    expect(tar.reason).toMatch(/the file inside the gzip is binary, not text/);
  });

  it('a file that shrinks while being read is a DataError', async () => {
    const p = write('shrink.txt', 'x'.repeat(3 << 20));
    let cut = false;
    const e = await dataError(
      parseFile(p, {
        onProgress: () => {
          if (!cut) writeFileSync(p, 'short');
          cut = true;
        },
      }),
    );
    expect(e.reason).toMatch(/shrank|vanished|changed/);
  });

  it('honours a chosen format', async () => {
    const r = await parseFile(write('x.txt', 'a\tb\n'), { format: 'pairs' });
    expect(r.parsed.kind).toBe('pairs');
  });
});

const DATA = resolve(import.meta.dirname, '../../../shared/datasets');
const have = existsSync(DATA);
if (!have) console.log(`skipping the real-dataset tests: ${DATA} is absent`);

describe.skipIf(!have)('real datasets in ../shared/datasets', () => {
  const parse = (rel: string) => parseFile(join(DATA, rel));
  const as = <K extends Parsed['kind']>(p: Parsed, kind: K) => {
    expect(p.kind).toBe(kind);
    return p as Extract<Parsed, { kind: K }>;
  };

  it('tinyshakespeare: plain text', async () => {
    const r = await parse('tinyshakespeare/input.txt');
    const t = as(r.parsed, 'text');
    expect(r.format).toBe('text');
    expect(t.text.length).toBe(1_115_394);
    expect(t.lines).toBe(40_000);
    expect(t.text.startsWith('First Citizen:')).toBe(true);
    expect(r.sha256.startsWith('86c4e6aa9db7c042')).toBe(true);
  });

  it('mauna loa co2: YYYYMMDD dates and 59 missing values', async () => {
    const t = as((await parse('mauna_loa_co2_weekly/co2.csv')).parsed, 'table');
    expect(t.rows).toBe(2284);
    const [date, co2] = t.columns;
    expect([date.name, date.type, co2.type, co2.missing]).toEqual(['date', 'date', 'numeric', 59]);
    expect(date.numbers![0]).toBe(Date.UTC(1958, 2, 29));
    expect(co2.numbers![0]).toBe(316.1);
  });

  it('us macro: quoted header, 14 numeric columns', async () => {
    const t = as((await parse('us_macro_quarterly/macrodata.csv')).parsed, 'table');
    expect(t.rows).toBe(203);
    expect(t.header).toBe(true);
    expect(t.columns.map((c) => c.name).slice(0, 3)).toEqual(['year', 'quarter', 'realgdp']);
    expect(t.columns.every((c) => c.type === 'numeric')).toBe(true);
    expect(t.columns[2].numbers![0]).toBe(2710.349);
  });

  it('sentiment sentences: sentence⇥label tables of 1000 rows (imdb: stray quotes, NEL characters)', async () => {
    for (const f of ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt']) {
      const r = await parse(`sentiment_sentences/${f}`);
      expect(r.format).toBe('tsv');
      const t = as(r.parsed, 'table');
      expect(t.rows).toBe(1000);
      expect(t.columns.map((c) => [c.name, c.type])).toEqual([
        ['sentence', 'text'],
        ['score', 'numeric'],
      ]);
      const s = t.columns[1].numbers!;
      expect(s.reduce((a, b) => a + b, 0)).toBe(500);
    }
  });

  it('wnut17: CoNLL sentences and tokens as documented', async () => {
    const expected: [string, number, number][] = [
      ['wnut17train.conll', 3394, 62_730],
      ['emerging.dev.conll', 1009, 15_733],
      ['emerging.test.annotated', 1287, 23_394],
    ];
    for (const [f, sentences, tokens] of expected) {
      const r = await parse(`wnut17_ner/${f}`);
      const t = as(r.parsed, 'tagged');
      expect(t.sentences.length).toBe(sentences);
      expect(t.sentences.reduce((a, s) => a + s.tokens.length, 0)).toBe(tokens);
      expect(t.tags.length).toBe(13);
      expect(t.tags[0].value).toBe('O');
    }
  });

  it('eng-fra: 5000 pairs, the attribution column ignored and counted', async () => {
    const r = await parse('eng_fra_tatoeba/eng-fra.txt');
    const p = as(r.parsed, 'pairs');
    expect(p.pairs.length).toBe(5000);
    expect(p.pairs[0]).toEqual({ source: 'Go.', target: 'Va !', line: 1 });
    expect(r.notes.join()).toMatch(/5000 lines have columns after the target/);
  });

  it('indoor movement: long-format table → 314 labelled sequences of 4 features', async () => {
    const t = as((await parse('indoor_movement/MovementAAL_combined.csv')).parsed, 'table');
    expect(t.rows).toBe(13_197);
    const s = groupSequences(t, { sequence: 'sequence_id', step: 'step', label: 'class_label', features: ['rss_anchor1', 'rss_anchor2', 'rss_anchor3', 'rss_anchor4'] });
    expect(s.sequences.length).toBe(314);
    expect(s.sequences.reduce((a, q) => a + q.steps.length, 0)).toBe(13_197);
    expect(s.sequences.filter((q) => q.label === '1').length).toBe(158);
    expect(Array.from(s.sequences[0].steps[0])).toEqual([-0.90476, -0.48, 0.28571, 0.3]);
    // a per-sequence file: its `#` header line names the columns
    const one = as((await parse('indoor_movement/dataset/MovementAAL_RSS_1.csv')).parsed, 'table');
    expect(one.columns.map((c) => c.name)).toEqual(['RSS_anchor1', 'RSS_anchor2', 'RSS_anchor3', 'RSS_anchor4']);
    expect(one.rows).toBe(27);
  });
});
