// A folder of data files read as one dataset (parseFile hands folders here): the way people keep data as one file
// per class (rt-polarity.pos, rt-polarity.neg), one file per recording (a folder of sensor traces), or one per split
// (train.csv, test.csv). Each regular, visible file is parsed on its own (documentation — README, LICENSE, .md,
// .html, .names — is skipped and said), then joined:
//   texts (lines)          → a table of "text" and "file" (the class of a line is the file it came from)
//   tables (same columns)  → one table with a first column "file" (a recording's rows share it: a sequence key)
//   tagged / pairs / sequences → joined, each item keeping its file's split when the file is named like one
//   texts in two languages (train.en, train.de: a stem and a language code, lines aligned) → source ⇥ target pairs
// The folder's size is the sum of its files; its SHA-256 is over the files' names and hashes in name order, so a
// changed, added or removed file is noticed. Subfolders are read in two layouts: split folders (train/, valid/,
// test/) holding the data files, each file keeping its folder as the split (JSB chorales' CSVs); and documents by
// class (aclImdb's pos/ and neg/, 20 Newsgroups, BBC News): a subfolder per class holding one text per file,
// optionally under split folders — a table of "text" and "class" (and "split"); an unlabelled folder (unsup/) is left out.
// Recordings kept one channel a file beside a file of labels (UCI HAR's Inertial Signals) are read by channels.ts.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { splitOf } from './analyse';
import { NO_LABEL } from './build/common';
import { channelFolders, matrix } from './channels';
import { labelsFileOf } from './formats/npy';
import { listing } from './listing';
import { DataError, type FormatName, type ImportProgress, type Parsed, type ParsedPairs, type ParsedSequences, type ParseOptions, type ParseResult, type ParsedTable } from './parsed';
import { TableBuilder } from './formats/table';

const DOC_NAME = /^(readme|license|licence|copying|notice|authors|changelog|changes|source|citation)(\.[a-z0-9]+)?$/i;
const DOC_EXT = /\.(md|markdown|html?|pdf|names|docx?|rtf|png|jpe?g|gif|svg|zip|gz|tgz|bz2|xz|7z|py|ipynb|r|sh)$/i;
const MAX_FOLDER_FILES = 10_000;

/** The part of each name that tells the files apart (a shared start and end removed; never empty). */
function distinctiveNames(names: string[]): string[] {
  if (names.length < 2) return names.map((n) => n.replace(/\.[^.]*$/, '') || n);
  let p = 0;
  while (names.every((n) => n.length > p && n[p] === names[0][p])) p++;
  let s = 0;
  while (names.every((n) => n.length > p + s && n[n.length - 1 - s] === names[0][names[0].length - 1 - s])) s++;
  const cut = names.map((n) => n.slice(p, n.length - s));
  if (cut.every((c) => c !== '') && new Set(cut).size === names.length) {
    // keep a dot-free form ("pos", not ".pos"); a shared extension stays removed
    return cut.map((c) => c.replace(/^[._-]+|[._-]+$/g, '') || c);
  }
  return names.map((n) => n.replace(/\.[^.]*$/, '') || n);
}

export async function parseFolder(dir: string, opts: ParseOptions, parseOne: (path: string, opts: ParseOptions) => Promise<ParseResult>, depth = 0): Promise<ParseResult> {
  const folder = basename(dir);
  const top = await listing(dir);
  // a folder holding one folder and its documentation only (daily_sports/data/, README.txt): the one inside
  if (top.dirs.length === 1 && depth < 3 && top.files.every((f) => DOC_NAME.test(f) || DOC_EXT.test(f))) {
    const inner = await parseFolder(join(dir, top.dirs[0]), opts, parseOne, depth + 1);
    return { ...inner, notes: [`the folder holds one folder, ${top.dirs[0]}/: read as the dataset`, ...inner.notes] };
  }
  const byClass = (await channelFolders(dir, opts)) ?? (await documentsByClass(dir, top, opts));
  if (byClass) return byClass;
  const skipped: string[] = [];
  const files: string[] = [];
  // no data files at the top, but split folders (JSB chorales' train/, valid/, test/ of CSVs): their files, each
  // keeping its folder as the split
  const splitDirs = top.files.every((f) => DOC_NAME.test(f) || DOC_EXT.test(f)) ? top.dirs.filter((d) => splitOf(d)) : [];
  const within = splitDirs.length > 0 && splitDirs.some((d) => splitOf(d) === 'train') ? splitDirs : [];
  for (const sub of ['', ...within]) {
    const { files: here } = sub === '' ? top : await listing(join(dir, sub));
    // (a NumPy labels file is read with its data file: y_train.npy with X_train.npy)
    const labelsOfData = new Set(here.map(labelsFileOf).filter((l): l is string => l !== undefined && here.includes(l)));
    for (const f of here) {
      const name = sub === '' ? f : `${sub}/${f}`;
      if (DOC_NAME.test(f) || DOC_EXT.test(f)) skipped.push(name);
      else if (!labelsOfData.has(f) || !/\.npy$/i.test(f)) files.push(name);
    }
  }
  if (files.length === 0) throw new DataError(folder, undefined, `this folder holds no data files${skipped.length ? ` (only ${skipped.slice(0, 5).join(', ')})` : ''}`, 'choose a data file, or a folder of data files');
  if (files.length > MAX_FOLDER_FILES) throw new DataError(folder, undefined, `this folder holds ${files.length.toLocaleString('en')} files, more than ${MAX_FOLDER_FILES.toLocaleString('en')}`, 'join them into fewer files');
  const maxBytes = opts.maxBytes ?? 2 ** 30;
  let bytes = 0;
  const results: { name: string; r: ParseResult }[] = [];
  for (const name of files) {
    const done = bytes;
    const onProgress = opts.onProgress && ((p: ImportProgress) => opts.onProgress!({ bytesRead: done + p.bytesRead, bytesTotal: done + p.bytesTotal, rows: p.rows }));
    let r: ParseResult;
    try {
      r = await parseOne(join(dir, name), { ...opts, maxBytes: maxBytes - bytes, ...(onProgress ? { onProgress } : {}) });
    } catch (e) {
      if (e instanceof DataError) throw new DataError(`${folder}/${name}`, e.line, `${e.reason} (a file of this folder)`, e.hint ? `${e.hint}, or move it out of the folder` : 'move it out of the folder');
      throw e;
    }
    bytes += r.bytes;
    results.push({ name, r });
  }
  // The data: the files of the most common kind; the rest are named as left out.
  const kinds = new Map<string, typeof results>();
  for (const x of results) {
    const k = x.r.parsed.kind;
    kinds.set(k, [...(kinds.get(k) ?? []), x]);
  }
  const [kind, used] = [...kinds].sort((a, b) => b[1].length - a[1].length)[0];
  const left = results.filter((x) => x.r.parsed.kind !== kind).map((x) => x.name);
  if (used.length < 2 && left.length > 0) {
    throw new DataError(folder, undefined, `the files in this folder are of different kinds (${results.map((x) => `${x.name}: ${x.r.format}`).slice(0, 6).join(', ')})`, 'choose one file, or a folder of files of one kind');
  }
  // (files in split folders are named without the folder, which the split column says, unless two share a name)
  const bases = used.map((x) => x.name.slice(x.name.lastIndexOf('/') + 1));
  const names = distinctiveNames(within.length && new Set(bases).size === bases.length ? bases : used.map((x) => x.name));
  const hash = createHash('sha256');
  for (const x of used) hash.update(`${x.name}\0${x.r.sha256}\n`);
  const notes = [
    `${used.length} ${kind === 'text' ? 'text' : kind === 'table' ? 'table' : kind} files read as one dataset (${used.slice(0, 4).map((x) => x.name).join(', ')}${used.length > 4 ? ', …' : ''})`,
    ...(skipped.length ? [`left out as documentation: ${skipped.slice(0, 6).join(', ')}${skipped.length > 6 ? ', …' : ''}`] : []),
    ...(left.length ? [`left out (another kind of file): ${left.slice(0, 6).join(', ')}${left.length > 6 ? ', …' : ''}`] : []),
  ];
  const format: FormatName = used[0].r.format;
  const parallel = kind === 'text' ? parallelText(used.map((x) => ({ name: x.name, parsed: x.r.parsed }))) : undefined;
  if (parallel?.pairs) {
    notes[0] = parallel.note;
    return { parsed: parallel.pairs, format, reason: `a parallel corpus (${parallel.pairs.names!.join(', ')} files, line by line)`, bytes: used.reduce((s, x) => s + x.r.bytes, 0), sha256: hash.digest('hex'), notes };
  }
  if (parallel) notes.push(parallel.note);
  // each file's split: its split folder, or its own name where the files are named by split (X_train.npy and
  // X_test.npy, train.csv and test.csv) — judged on the whole name, not the part that tells the files apart
  const named = used.map((x) => splitOf(x.name.slice(x.name.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '')));
  const bySplit = kind !== 'text' && named.includes('train') && named.some((m) => m && m !== 'train');
  const markers = within.length ? used.map((x) => x.name.split('/')[0]) : bySplit ? named.map((m) => m ?? 'train') : undefined;
  // (tables named by split are one table and its split, as a training file's sibling split files are: no file column)
  const parsed = bySplit && kind === 'table' ? joinParsed(folder, kind, used.map((x) => x.r.parsed), markers!, 'split') : joinParsed(folder, kind as Parsed['kind'], used.map((x) => x.r.parsed), names, 'file', markers);
  if (within.length) notes[0] += ` in ${within.join(', ')} (the split)`;
  else if (bySplit) notes[0] += `, each file's split named by it (${used.map((x, i) => `${x.name}: ${named[i] ?? 'train'}`).slice(0, 4).join(', ')})`;
  return { parsed, format, reason: `a folder of ${used.length} ${format} files`, bytes: used.reduce((s, x) => s + x.r.bytes, 0), sha256: hash.digest('hex'), notes };
}

/**
 * Parsed files → one. `names` name each part; `by` is what they are: 'file' (a folder: the name becomes a column
 * "file", first, or the class of a text's lines) or 'split' (sibling train / test files: a column "split", last).
 * Either way a name that says train, test or dev marks the split of what came from it.
 */
export function joinParsed(folder: string, kind: Parsed['kind'], parts: Parsed[], names: string[], by: 'file' | 'split', folders?: string[]): Parsed {
  const splits = folders ?? names.map((n) => (splitOf(n) ? n : undefined));
  switch (kind) {
    case 'text': {
      // one row per non-empty line; the file is the class
      const b = new TableBuilder({ file: folder, names: ['text', 'file'] });
      parts.forEach((p, i) => {
        if (p.kind !== 'text') return;
        let line = 0;
        for (const l of p.text.split('\n')) {
          line++;
          if (l.trim() !== '') b.addValues([l.trim(), names[i]], line);
        }
      });
      return b.finish();
    }
    case 'table':
      return joinTables(folder, parts as ParsedTable[], names, by, folders);
    case 'tagged': {
      const sentences = parts.flatMap((p, i) => (p.kind === 'tagged' ? p.sentences.map((s) => ({ ...s, ...(splits[i] ? { split: splits[i] } : {}) })) : []));
      const counts = new Map<string, number>();
      for (const s of sentences) for (const t of s.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
      return { kind: 'tagged', sentences, tags: [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)) };
    }
    case 'pairs':
      return { kind: 'pairs', pairs: parts.flatMap((p, i) => (p.kind === 'pairs' ? p.pairs.map((x) => ({ ...x, ...(splits[i] ? { split: splits[i] } : {}) })) : [])) };
    case 'sequences': {
      const first = parts[0];
      if (first.kind !== 'sequences') break;
      for (const p of parts) if (p.kind === 'sequences' && p.featureNames.length !== first.featureNames.length) throw new DataError(folder, undefined, 'the files hold sequences of different widths', 'give every file the same features');
      return {
        kind: 'sequences',
        featureNames: first.featureNames,
        sequences: parts.flatMap((p, i) => (p.kind === 'sequences' ? p.sequences.map((s) => ({ ...s, id: `${names[i]}/${s.id}`, ...(splits[i] ? { split: splits[i] } : {}) })) : [])),
      };
    }
  }
  throw new DataError(folder, undefined, `a folder of ${kind} files cannot be joined`, 'choose one file');
}

/**
 * Tables with the same columns → one, with a first column "file" or a last column "split" (each part's name); with
 * `folders` (the split folder each file came from), a "file" first and a "split" last.
 */
function joinTables(folder: string, tables: ParsedTable[], names: string[], by: 'file' | 'split', folders?: string[]): ParsedTable {
  const cols = tables[0].columns.map((c) => c.name);
  tables.forEach((t, i) => {
    const these = t.columns.map((c) => c.name);
    if (these.length !== cols.length || these.some((n, k) => n !== cols[k]))
      throw new DataError(folder, undefined, `the tables in this folder have different columns (${names[0]}: ${cols.slice(0, 6).join(', ')}; ${names[i]}: ${these.slice(0, 6).join(', ')})`, 'give every file the same columns');
  });
  const b = new TableBuilder({ file: folder, names: by === 'file' ? ['file', ...cols, ...(folders ? [uniqueName('split', cols)] : [])] : [...cols, uniqueName('split', cols)] });
  tables.forEach((t, i) => {
    for (let r = 0; r < t.rows; r++) {
      const cells = t.columns.map((c) => {
        if (c.strings) return c.strings[r] === '' ? null : c.strings[r];
        const v = c.numbers![r];
        if (Number.isNaN(v)) return null;
        return c.type === 'date' ? new Date(v).toISOString() : v;
      });
      b.addValues(by === 'file' ? [names[i], ...cells, ...(folders ? [folders[i]] : [])] : [...cells, names[i]], t.lineOfRow[r]);
    }
  });
  const joined = b.finish();
  return { ...joined, header: tables[0].header };
}

function uniqueName(name: string, taken: string[]): string {
  let n = name;
  for (let k = 2; taken.includes(n); k++) n = `${name}_${k}`;
  return n;
}

// ============================================== parallel text files ==============================================

/** ISO 639-1 language codes, and the ISO 639-3 codes corpora use most (Tatoeba's eng, fra, deu). */
const LANGUAGES = new Set(
  ('aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu ' +
    'eng fra deu spa ita por rus zho cmn jpn kor ara hin nld tur pol swe ces fin ell heb vie tha ind ukr ron hun dan nor ben tam urd fas pes')
    .split(' '),
);
/** A language code as a file's last extension (train.en, europarl-v7.fr-en.fr, dev.zh_cn, test.pt-br). */
const isLanguage = (ext: string): boolean => LANGUAGES.has(ext.toLowerCase().split(/[_-]/)[0]) && /^[a-z]{2,3}([_-][a-z]{2,4})?$/i.test(ext);

/**
 * Text files that are one corpus in two languages, line by line (Multi30k's train.en and train.de, Europarl's
 * europarl-v7.fr-en.fr and .en, IWSLT's train/valid/test in each language): every name is a stem and one of two
 * language extensions, and each stem's two files have as many lines → source ⇥ target pairs, each pair keeping
 * its stem as the split (train, val, test_2016_flickr). The source is the first language where the names say a
 * direction (fr-en), else English, else the first in name order. A pair with an empty side is left out, counted.
 * Files that look parallel but whose lines do not align give a note, not pairs.
 */
export function parallelText(files: { name: string; parsed: Parsed }[]): { pairs?: ParsedPairs & { names: [string, string] }; note: string } | undefined {
  const split = files.map((f) => {
    const dot = f.name.lastIndexOf('.');
    return { stem: f.name.slice(0, Math.max(0, dot)), ext: f.name.slice(dot + 1), text: f.parsed.kind === 'text' ? f.parsed.text : undefined };
  });
  if (split.some((f) => f.stem === '' || f.text === undefined || !isLanguage(f.ext))) return undefined;
  const langs = [...new Set(split.map((f) => f.ext))].sort();
  const stems = [...new Set(split.map((f) => f.stem))];
  if (langs.length !== 2 || split.length !== 2 * stems.length) return undefined;
  const named = stems.map((s) => new RegExp(`(^|[^a-z])(${langs[0]}|${langs[1]})-(${langs[0]}|${langs[1]})([^a-z]|$)`, 'i').exec(s)).find((m) => m && m[2] !== m[3]);
  const source = named ? named[2] : langs.includes('en') ? 'en' : langs[0];
  const target = langs.find((l) => l !== source)!;
  const linesOf = (t: string): string[] => t.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  // the split a stem names: train, val, test_2016_flickr — or WMT's newstest2014, IWSLT's tst2013, dev2010
  const splitOfStem = (stem: string): string | undefined => splitOf(stem) ?? (/(test|tst)/i.test(stem) ? 'test' : /(dev|valid)/i.test(stem) ? 'validation' : undefined);
  const pairs: ParsedPairs['pairs'] = [];
  let empty = 0;
  for (const stem of stems) {
    const a = split.find((f) => f.stem === stem && f.ext === source);
    const b = split.find((f) => f.stem === stem && f.ext === target);
    if (!a || !b) return undefined;
    const src = linesOf(a.text!);
    const tgt = linesOf(b.text!);
    if (src.length !== tgt.length) return { note: `${stem}.${source} and ${stem}.${target} look like one text in two languages, but their lines do not align (${src.length.toLocaleString('en')} and ${tgt.length.toLocaleString('en')} lines): read as texts of their own` };
    src.forEach((s, i) => {
      const [x, y] = [s.trim(), tgt[i].trim()];
      if (x === '' || y === '') {
        if (x !== '' || y !== '') empty++;
        return;
      }
      const marked = stems.length > 1 ? splitOfStem(stem) : undefined;
      pairs.push({ source: x, target: y, line: i + 1, ...(marked ? { split: marked } : {}) });
    });
  }
  if (pairs.length === 0) return undefined;
  // a sentence and its translation are of like length; lines of two languages side by side by chance are not (a
  // folder of sentences to tell the language of)
  if (lengthCorrelation(pairs) < 0.3) return { note: `the ${source} and ${target} files have as many lines, but their lines are not of like length, as translations are: read as texts of their own` };
  const how = named ? `the names say ${named[2]}-${named[3]}` : source === 'en' ? 'from English' : 'the first language in name order';
  return {
    pairs: { kind: 'pairs', pairs, names: [source, target] },
    note: `${files.length} text files read as one text in two languages, line by line (${stems.map((s) => `${s}.${source} → ${s}.${target}`).slice(0, 4).join(', ')}${stems.length > 4 ? ', …' : ''}): ${pairs.length.toLocaleString('en')} ${source} → ${target} pairs (${how})${empty ? `; ${empty} lines with one side empty left out` : ''}`,
  };
}

/** Pearson's correlation of the two sides' lengths in characters over up to 2,000 pairs (0 when either is constant). */
function lengthCorrelation(pairs: ParsedPairs['pairs']): number {
  const step = Math.max(1, Math.floor(pairs.length / 2000));
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < pairs.length; i += step) a.push(pairs[i].source.length), b.push(pairs[i].target.length);
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) (sab += (a[i] - ma) * (b[i] - mb)), (saa += (a[i] - ma) ** 2), (sbb += (b[i] - mb) ** 2);
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : a.length < 3 ? 1 : 0;
}

// ============================================== sibling split files =============================================

/** The files beside `path` that hold its other splits (ArrowHead_TRAIN.tsv → ArrowHead_TEST.tsv; train.tsv → dev.tsv). */
export async function siblingSplits(path: string): Promise<{ split: 'test' | 'dev'; path: string }[]> {
  const name = basename(path);
  const m = /train(ing)?/i.exec(name);
  if (!m) return [];
  const word = m[0];
  const cased = (w: string): string => (word === word.toUpperCase() ? w.toUpperCase() : word[0] === word[0].toUpperCase() ? w[0].toUpperCase() + w.slice(1) : w);
  const out: { split: 'test' | 'dev'; path: string }[] = [];
  for (const [split, words] of [['test', ['test']], ['dev', ['dev', 'val', 'valid', 'validation']]] as const) {
    for (const w of words) {
      const p = join(dirname(path), name.slice(0, m.index) + cased(w) + name.slice(m.index + word.length));
      const st = await lstat(p).catch(() => undefined);
      if (st?.isFile()) {
        out.push({ split, path: p });
        break;
      }
    }
  }
  return out;
}

// ============================================== documents by class ==============================================

const MAX_DOCUMENTS = 200_000;


/** A document's file name: plain text (.txt) or no extension at all (20 Newsgroups' 38000). */
const DOCUMENT = /^[^.]+$|\.txt$/i;
/** A recording's file name: numbers a row (gestures/walk/rec01.csv, a01/p1/s01.txt). */
const RECORDING = /\.(txt|csv|tsv|dat)$/i;
/** Files that are tables or records of their own: a folder holding them at its top is read the usual way. */
const TABLE_EXT = /\.(csv|tsv|tab|json|jsonl|ndjson|parquet|xlsx|arff|ts|conllu?)$/i;

/**
 * Class folders under `dir`: two or more subfolders of plain-text or numeric files only (the unlabelled ones set
 * apart), each file directly in its class folder or one folder down (a subject's: daily_sports/a01/p1/s01.txt).
 */
async function classFolders(dir: string): Promise<{ classes: { name: string; files: string[] }[]; unlabelled: string[]; loose: string[] } | undefined> {
  const { dirs, files } = await listing(dir);
  const classes: { name: string; files: string[] }[] = [];
  const unlabelled: string[] = [];
  for (const d of dirs) {
    const inner = await listing(join(dir, d));
    const docs = inner.files.filter((f) => !DOC_NAME.test(f) && !DOC_EXT.test(f));
    for (const sub of inner.dirs) {
      const deeper = await listing(join(dir, d, sub));
      if (deeper.dirs.length > 0) return undefined;
      docs.push(...deeper.files.filter((f) => !DOC_NAME.test(f) && !DOC_EXT.test(f)).map((f) => `${sub}/${f}`));
    }
    if (docs.length === 0 || !docs.every((f) => DOCUMENT.test(f) || RECORDING.test(f))) return undefined;
    if (NO_LABEL.test(d)) unlabelled.push(d);
    else classes.push({ name: d, files: docs });
  }
  return classes.length >= 2 ? { classes, unlabelled, loose: files } : undefined;
}

/** A file's whole text: UTF-8, else Windows-1252 (older corpora); undefined for binary files (NUL bytes). */
function documentText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** A folder of class folders (or of split folders of class folders) → a table of "text", "class" (and "split"). */
async function documentsByClass(dir: string, top: Awaited<ReturnType<typeof listing>>, opts: ParseOptions): Promise<ParseResult | undefined> {
  const folder = basename(dir);
  if (top.dirs.length < 2 || top.files.some((f) => TABLE_EXT.test(f))) return undefined;
  let parts: { split?: string; path: string; found: NonNullable<Awaited<ReturnType<typeof classFolders>>> }[] = [];
  const direct = await classFolders(dir);
  if (direct && !direct.classes.every((c) => splitOf(c.name))) parts = [{ path: dir, found: direct }];
  else {
    for (const d of top.dirs) {
      if (!splitOf(d)) continue;
      const found = await classFolders(join(dir, d));
      if (found) parts.push({ split: d, path: join(dir, d), found });
    }
    if (parts.length === 0) return undefined;
  }
  const total = parts.reduce((n, p) => n + p.found.classes.reduce((m, c) => m + c.files.length, 0), 0);
  if (total > MAX_DOCUMENTS) throw new DataError(folder, undefined, `${total.toLocaleString('en')} documents, more than ${MAX_DOCUMENTS.toLocaleString('en')}`, 'take a part of them into a folder of their own');
  const maxBytes = opts.maxBytes ?? 2 ** 30;
  // the sizes first, so that nothing is read of a folder over the limit
  let size = 0;
  for (const part of parts) for (const c of part.found.classes) for (const f of c.files) size += (await lstat(join(part.path, c.name, f))).size;
  if (size > maxBytes) throw new DataError(folder, undefined, `${(size / 2 ** 20).toFixed(0)} MiB of documents, more than the limit (${(maxBytes / 2 ** 20).toFixed(0)} MiB)`, 'take a part of them into a folder of their own');
  const split = parts.some((p) => p.split);
  const hash = createHash('sha256');
  let bytes = 0;
  let binary = 0;
  let read = 0;
  const docs: { text: string; class: string; split?: string; file: string }[] = [];
  for (const part of parts) {
    for (const c of part.found.classes) {
      for (const f of c.files) {
        const path = join(part.path, c.name, f);
        const data = await readFile(path, { flag: constants.O_RDONLY | constants.O_NOFOLLOW }).catch((e: NodeJS.ErrnoException) => {
          throw new DataError(`${folder}/${part.split ? `${part.split}/` : ''}${c.name}/${f}`, undefined, `cannot be read (${e.code ?? e.message})`, 'move it out of the folder');
        });
        bytes += data.length;
        if (bytes > maxBytes) throw new DataError(folder, undefined, `the documents grew past ${(maxBytes / 2 ** 20).toFixed(0)} MiB while being read`, 'import the folder again once it is complete');
        hash.update(`${part.split ?? ''}/${c.name}/${f}\0`).update(createHash('sha256').update(data).digest('hex'));
        const text = documentText(data);
        if (text === undefined) {
          binary++;
          continue;
        }
        const clean = text.replace(/^\uFEFF/, '').trim();
        if (clean !== '') docs.push({ text: clean, class: c.name, ...(part.split ? { split: part.split } : {}), file: f }), read++;
        if (opts.onProgress && read % 500 === 0) opts.onProgress({ bytesRead: bytes, bytesTotal: bytes, rows: read });
      }
    }
  }
  // numbers in every file (under one header line, the same in all, or none), as many a row in all: recordings (a
  // sequence each, its class the folder), not documents
  const read1 = (text: string): { m: number[][]; header?: string } | undefined => {
    const m = matrix(text);
    if (m) return { m };
    const nl = text.indexOf('\n');
    const rest = nl > 0 ? matrix(text.slice(nl + 1)) : undefined;
    return rest ? { m: rest, header: text.slice(0, nl).trim() } : undefined;
  };
  // (read one after another, stopping at the first document that is not such a recording: a corpus of texts is not
  // read as numbers twice over)
  const found: { m: number[][]; header?: string }[] = [];
  for (const d of docs) {
    const x = read1(d.text);
    const first = found[0] ?? x;
    if (!x || x.m.length < 2 || x.header !== first?.header || x.m.some((r) => r.length !== first!.m[0].length)) break;
    found.push(x);
  }
  const recordings = found.map((x) => x.m);
  const width = recordings[0]?.[0]?.length ?? 0;
  const header = found[0]?.header;
  const numeric = docs.length > 0 && found.length === docs.length;
  if (!numeric && !docs.every((d) => DOCUMENT.test(d.file))) return undefined; // CSV files that are not recordings: read the usual way
  if (numeric) {
    const sequences: ParsedSequences['sequences'] = docs.map((d, i) => ({ id: `${d.split ? `${d.split}/` : ''}${d.class}/${d.file}`, steps: recordings[i].map((r) => Float64Array.from(r)), label: d.class, ...(d.split ? { split: d.split } : {}), line: 1 }));
    const classes = [...new Set(docs.map((d) => d.class))];
    const lengths = recordings.map((m) => m.length);
    const [lo, hi] = [Math.min(...lengths), Math.max(...lengths)];
    const notes = [
      `${read.toLocaleString('en')} recordings, one a file, of ${lo === hi ? lo : `${lo}–${hi}`} rows of ${width} numbers, in ${classes.length} class folders (${classes.slice(0, 6).join(', ')}${classes.length > 6 ? ', …' : ''})${split ? ` under ${parts.map((p) => p.split).join(', ')} (the split)` : ''}: a sequence each, its class the folder`,
      ...(binary ? [`${binary} binary file${binary > 1 ? 's' : ''} left out`] : []),
    ];
    opts.onProgress?.({ bytesRead: bytes, bytesTotal: bytes, rows: read });
    const named = header?.split(/\s*[,;\t]\s*|\s+/).map((n) => n.replace(/^"|"$/g, ''));
    const featureNames = named && named.length === width ? named : Array.from({ length: width }, (_, k) => String(k + 1));
    return { parsed: { kind: 'sequences', sequences, featureNames }, format: 'csv', reason: `a folder of recordings by class${split ? ' and split' : ''}`, bytes, sha256: hash.digest('hex'), notes };
  }
  const b = new TableBuilder({ file: folder, names: split ? ['text', 'class', 'split'] : ['text', 'class'] });
  docs.forEach((d, i) => b.addValues(split ? [d.text, d.class, d.split] : [d.text, d.class], i + 1));
  const classes = [...new Set(parts.flatMap((p) => p.found.classes.map((c) => c.name)))];
  const unlabelled = [...new Set(parts.flatMap((p) => p.found.unlabelled.map((u) => (p.split ? `${p.split}/${u}` : u))))];
  const loose = parts.flatMap((p) => p.found.loose.map((l) => (p.split ? `${p.split}/${l}` : l)));
  const notes = [
    `${read.toLocaleString('en')} documents, one a file, in ${classes.length} class folders (${classes.slice(0, 6).join(', ')}${classes.length > 6 ? ', …' : ''})${split ? ` under ${parts.map((p) => p.split).join(', ')} (the split)` : ''}: a table of "text" and "class"${split ? ' and "split"' : ''}`,
    ...(unlabelled.length ? [`left out: ${unlabelled.join(', ')} (documents without a class)`] : []),
    ...(loose.length ? [`left out: the files beside the class folders (${loose.slice(0, 4).join(', ')}${loose.length > 4 ? ', …' : ''})`] : []),
    ...(binary ? [`${binary} binary file${binary > 1 ? 's' : ''} left out`] : []),
  ];
  opts.onProgress?.({ bytesRead: bytes, bytesTotal: bytes, rows: read });
  return { parsed: b.finish(), format: 'text', reason: `a folder of documents by class${split ? ' and split' : ''}`, bytes, sha256: hash.digest('hex'), notes };
}
