// Excel workbooks, as openpyxl writes them (fixtures made by tools/make_xlsx_fixtures.py): dates in date styles, the
// 1904 calendar, booleans, formulas without cached values, other sheets named; and damaged or hostile files refused
// with a clear error: cut short, not a workbook, a part that would inflate past the limit, the old binary .xls.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from '../parse';
import { DataError } from '../parsed';
import { propose } from '../propose';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'xlsx-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The workbook with its first sheet's XML changed by `edit`, stored uncompressed (a ZIP written here, for the test). */
function rewriteSheet(book: Buffer, edit: (xml: string) => string): Buffer {
  const eocd = book.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries: { name: string; data: Buffer }[] = [];
  let p = book.readUInt32LE(eocd + 16);
  for (let k = 0; k < book.readUInt16LE(eocd + 10); k++) {
    const nameLen = book.readUInt16LE(p + 28);
    const name = book.toString('utf8', p + 46, p + 46 + nameLen);
    const offset = book.readUInt32LE(p + 42);
    const start = offset + 30 + book.readUInt16LE(offset + 26) + book.readUInt16LE(offset + 28);
    const raw = book.subarray(start, start + book.readUInt32LE(p + 20));
    let data = book.readUInt16LE(p + 10) === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    if (name === 'xl/worksheets/sheet1.xml') data = Buffer.from(edit(data.toString('utf8')));
    entries.push({ name, data });
    p += 46 + nameLen + book.readUInt16LE(p + 30) + book.readUInt16LE(p + 32);
  }
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let at = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt32LE(e.data.length, 20);
    c.writeUInt32LE(e.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(at, 42);
    locals.push(local, name, e.data);
    central.push(c, name);
    at += 30 + name.length + e.data.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(at, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}

async function refused(bytes: Buffer, name = 'book.xlsx'): Promise<DataError> {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  try {
    await parseFile(p);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('xlsx', () => {
  it('reads the first sheet: dates from date-styled numbers, strings, the other sheets named, and proposes as for a CSV', async () => {
    const r = await parseFile(join(fixtures, 'passengers.xlsx'));
    expect(r.format).toBe('xlsx');
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    const [month, passengers, note] = r.parsed.columns;
    expect([month.type, passengers.type, note.type]).toEqual(['date', 'numeric', 'categorical']);
    expect(new Date(month.numbers![0]).toISOString().slice(0, 10)).toBe('1949-01-01');
    expect(new Date(month.numbers![47]).toISOString().slice(0, 10)).toBe('1952-12-01');
    expect(r.parsed.rows).toBe(48);
    expect(r.parsed.lineOfRow[0]).toBe(2); // the sheet's own row number
    expect(r.notes[0]).toBe('the first sheet, "Passengers" (of 2: "About" not read; save the one you want first, or as CSV); "lines" are the sheet\'s row numbers');
    expect(r.sha256).toBe((await import('node:crypto')).createHash('sha256').update(readFileSync(join(fixtures, 'passengers.xlsx'))).digest('hex'));
    const p = propose(r.parsed, 'passengers.xlsx');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'Passengers', season: 12 });
  });

  it('date-times in the 1904 calendar, and booleans', async () => {
    const r = await parseFile(join(fixtures, 'readings-1904.xlsx'));
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    const [time, , valid] = r.parsed.columns;
    expect(new Date(time.numbers![0]).toISOString()).toBe('2021-03-01T00:30:00.000Z');
    expect(new Date(time.numbers![29]).toISOString()).toBe('2021-03-02T05:30:00.000Z');
    expect(valid.categories!.map((c) => c.value).sort()).toEqual(['FALSE', 'TRUE']);
  });

  it('refuses a damaged or hostile workbook, and the old .xls, saying what to do', async () => {
    const good = readFileSync(join(fixtures, 'passengers.xlsx'));
    expect((await refused(good.subarray(0, good.length - 30))).message).toMatch(/not a readable workbook: the ZIP directory is missing/);
    // a part that says it inflates to 3 GiB: refused before anything is inflated
    const bomb = Buffer.from(good);
    const eocd = bomb.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    let p = bomb.readUInt32LE(eocd + 16);
    for (let k = 0; k < bomb.readUInt16LE(eocd + 10); k++) {
      const nameLen = bomb.readUInt16LE(p + 28);
      if (bomb.toString('utf8', p + 46, p + 46 + nameLen).startsWith('xl/worksheets/')) bomb.writeUInt32LE(3 * 2 ** 30, p + 24);
      p += 46 + nameLen + bomb.readUInt16LE(p + 30) + bomb.readUInt16LE(p + 32);
    }
    expect((await refused(bomb)).message).toMatch(/part xl\/worksheets\/sheet1\.xml would inflate to 3072 MiB, more than the limit \(256 MiB in all\)/);
    // a cell far to the right (column ZZZZ): refused before any row is widened to it
    const far = await refused(rewriteSheet(good, (xml) => xml.replace('<c r="A2"', '<c r="ZZZZ2" t="inlineStr"><is><t>x</t></is></c><c r="A2"')));
    expect(far.message).toMatch(/book\.xlsx:2: a cell in column ZZZZ2: the sheet spans more than 10,000 columns/);
    // a character reference past Unicode and a date-styled number past any date read as written, not thrown
    const odd = join(dir, 'odd.xlsx');
    writeFileSync(odd, rewriteSheet(good, (xml) => xml.replace(/<c r="C2"[^>]*>[\s\S]*?<\/c>/, '<c r="C2" t="inlineStr"><is><t>&#x110000;</t></is></c>').replace(/(<c r="A3"[^>]*>)<v>[^<]*<\/v>/, '$1<v>1e12</v>')));
    const r = await parseFile(odd);
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.rows).toBe(48);
    const ole = Buffer.alloc(512);
    ole.writeUInt32BE(0xd0cf11e0, 0);
    ole.writeUInt32BE(0xa1b11ae1, 4);
    const xls = await refused(ole, 'old.xls');
    expect(xls.message).toMatch(/an Excel 97–2003 workbook \(\.xls\)/);
    expect(xls.hint).toMatch(/save it as \.xlsx \(Excel Workbook\) or as CSV UTF-8/);
    // a ZIP that is no workbook
    const zip = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');
    expect((await refused(Buffer.concat([Buffer.from('504b0304', 'hex'), zip]))).message).toMatch(/not an Excel workbook \(no xl\/workbook\.xml\)/);
  });
});
