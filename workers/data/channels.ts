// A folder of recordings kept one channel a file (UCI HAR's `Inertial Signals/body_acc_x_train.txt`, …): each file a
// matrix of numbers, one row per recording and one column per time step, the files of a folder all the same shape,
// and beside them a file of one label per row (`y_train.txt`) — optionally under split folders (train/, test/), with
// the labels' names in a file of `number name` lines (`activity_labels.txt`). Read as labelled sequences: recording i
// of a split is the C channels' row i, step by step. parseFolder (folder.ts) asks here first; undefined when the
// folder is not laid out so.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { splitOf } from './analyse';
import { listing } from './listing';
import { DataError, type ParsedSequences, type ParseOptions, type ParseResult } from './parsed';

/** A file of one label per row: y_train.txt, labels.txt, y.csv. */
const LABEL_FILE = /^(y|labels?|targets?|classes)([_.-].*)?\.(txt|csv)$/i;
/** A file naming the labels: activity_labels.txt, class_names.txt (lines of `number name`). */
const LABEL_NAMES = /(labels?|classes|names)\.(txt|csv)$/i;
const MAX_CHANNELS = 64;


const read = (path: string): Promise<Buffer> => readFile(path, { flag: constants.O_RDONLY | constants.O_NOFOLLOW });

/** Rows of numbers separated by spaces, TABs or commas; undefined when a line holds anything else. */
export function matrix(text: string): number[][] | undefined {
  const rows: number[][] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    const cells = t.split(/\s*,\s*|\s+/);
    const row = cells.map(Number);
    if (cells.some((c) => c === '') || row.some((v) => Number.isNaN(v))) return undefined; // (an empty cell is no number: ",1,2", "1,,2")
    rows.push(row);
  }
  return rows;
}

/** The rows of a file (its non-empty lines). */
const lineCount = (text: string): number => text.split('\n').filter((l) => l.trim() !== '').length;

/** One folder of the layout: `dir` itself, or one of its split folders (train/, test/…). */
interface Part {
  split?: string;
  path: string;
  labels: string;
  channels: { dir: string; files: string[] };
  /** Other data files beside the labels (UCI HAR's X_train.txt of features, subject_train.txt): left out, said. */
  others: string[];
}

/** Where a folder holds a label file and a set of channel files (in it or one folder down), that layout. */
async function partOf(path: string, split?: string): Promise<Part | undefined> {
  const { dirs, files, sizes } = await listing(path);
  const labels = files.find((f) => LABEL_FILE.test(f) && sizes.get(f)! > 0);
  if (!labels) return undefined;
  // channel files: a subfolder of two or more data files (UCI HAR's "Inertial Signals"), each named with the split
  for (const d of dirs) {
    const inner = await listing(join(path, d));
    const channels = inner.files.filter((f) => /\.(txt|csv)$/i.test(f) && inner.sizes.get(f)! > 0);
    if (channels.length >= 2 && channels.length <= MAX_CHANNELS)
      return { ...(split ? { split } : {}), path, labels, channels: { dir: d, files: channels }, others: files.filter((f) => f !== labels && /\.(txt|csv)$/i.test(f) && !/^readme/i.test(f)) };
  }
  return undefined;
}

/** Channel names without the split's mark: body_acc_x_train.txt → body_acc_x. */
function channelName(file: string, split?: string): string {
  let n = file.replace(/\.(txt|csv)$/i, '');
  if (split && n.toLowerCase().endsWith(split.toLowerCase())) n = n.slice(0, n.length - split.length).replace(/[_.-]$/, '');
  return n || file;
}

/** The names of numbered labels (`1 WALKING` lines) from a file beside the data, when there is one. */
async function labelNames(dirs: string[], taken: Set<string>): Promise<{ file: string; names: Map<string, string> } | undefined> {
  for (const dir of dirs) {
    const { files, sizes } = await listing(dir);
    for (const f of files) {
      if (!LABEL_NAMES.test(f) || taken.has(join(dir, f)) || sizes.get(f)! > 1_000_000) continue;
      const names = new Map<string, string>();
      for (const line of (await read(join(dir, f))).toString('utf8').split('\n')) {
        const m = /^\s*(\d+)[\s,;:]+(\S.*?)\s*$/.exec(line);
        if (m) names.set(m[1], m[2]);
        else if (line.trim() !== '') {
          names.clear();
          break;
        }
      }
      if (names.size >= 2) return { file: f, names };
    }
  }
  return undefined;
}

export async function channelFolders(dir: string, opts: ParseOptions): Promise<ParseResult | undefined> {
  const folder = basename(dir);
  const top = await listing(dir);
  const parts: Part[] = [];
  const direct = await partOf(dir);
  if (direct) parts.push(direct);
  else for (const d of top.dirs.filter((x) => splitOf(x))) {
    const p = await partOf(join(dir, d), d);
    if (p) parts.push(p);
  }
  if (parts.length === 0) return undefined;
  // the channels must be the same in every split
  const names = parts.map((p) => p.channels.files.map((f) => channelName(f, p.split)));
  if (names.some((n) => n.join('\n') !== names[0].join('\n'))) return undefined;
  const maxBytes = opts.maxBytes ?? 2 ** 30;
  let size = 0;
  for (const p of parts) for (const f of [join(p.path, p.labels), ...p.channels.files.map((c) => join(p.path, p.channels.dir, c))]) size += (await lstat(f)).size;
  if (size > maxBytes) throw new DataError(folder, undefined, `${(size / 2 ** 20).toFixed(0)} MiB of recordings, more than the limit (${(maxBytes / 2 ** 20).toFixed(0)} MiB)`, 'take a part of them into a folder of their own');
  const hash = createHash('sha256');
  const sequences: ParsedSequences['sequences'] = [];
  const where = (p: Part, f: string): string => `${folder}/${p.split ? `${p.split}/` : ''}${f}`;
  let bytes = 0;
  let width = 0;
  const rawLabels: string[][] = [];
  for (const p of parts) {
    const yText = (await read(join(p.path, p.labels))).toString('utf8');
    hash.update(`${p.split ?? ''}/${p.labels}\0`).update(createHash('sha256').update(yText).digest('hex'));
    bytes += Buffer.byteLength(yText);
    const y = yText.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    if (y.length === 0 || y.some((l) => /\s/.test(l))) return undefined; // not one label a line
    rawLabels.push(y);
    const channels: number[][][] = [];
    for (const f of p.channels.files) {
      const data = await read(join(p.path, p.channels.dir, f));
      bytes += data.length;
      hash.update(`${p.split ?? ''}/${p.channels.dir}/${f}\0`).update(createHash('sha256').update(data).digest('hex'));
      const text = data.toString('utf8');
      if (lineCount(text) !== y.length) return undefined; // not one row per label: some other layout
      const m = matrix(text);
      if (!m) return undefined; // not numbers a row: some other layout (tables with headers, documents…)
      const w = m[0].length;
      const bad = m.findIndex((r) => r.length !== w);
      if (bad >= 0) throw new DataError(where(p, `${p.channels.dir}/${f}`), bad + 1, `a row of ${m[bad].length} values; the first has ${w}`, 'give every recording the same number of steps');
      if (width && w !== width) throw new DataError(where(p, `${p.channels.dir}/${f}`), undefined, `rows of ${w} steps; the other channels have ${width}`, 'give every channel the same number of steps');
      width = w;
      channels.push(m);
    }
    for (let i = 0; i < y.length; i++) {
      const steps = Array.from({ length: width }, (_, s) => Float64Array.from(channels, (c) => c[i][s]));
      sequences.push({ id: `${p.split ? `${p.split}/` : ''}${i + 1}`, steps, label: y[i], ...(p.split ? { split: p.split } : {}), line: i + 1 });
    }
    opts.onProgress?.({ bytesRead: bytes, bytesTotal: size, rows: sequences.length });
  }
  // numbered labels named in a file beside them (activity_labels.txt: 1 WALKING …)
  const named = await labelNames([dir, ...parts.map((p) => p.path)], new Set(parts.map((p) => join(p.path, p.labels))));
  const all = new Set(rawLabels.flat());
  const useNames = named && [...all].every((l) => named.names.has(l));
  if (useNames) for (const s of sequences) s.label = named.names.get(s.label!)!;
  const classes = new Set(sequences.map((s) => s.label)).size;
  const notes = [
    `${sequences.length.toLocaleString('en')} recordings of ${width} steps in ${names[0].length} channels, one a file (${parts[0].channels.dir}/: ${names[0].slice(0, 4).join(', ')}${names[0].length > 4 ? ', …' : ''}), labelled by ${[...new Set(parts.map((p) => p.labels))].join(', ')}${parts.some((p) => p.split) ? ` in ${parts.map((p) => p.split).join(', ')} (the split)` : ''}: ${classes} classes`,
    ...(useNames ? [`the classes named by ${named.file} (${[...named.names.values()].slice(0, 4).join(', ')}${named.names.size > 4 ? ', …' : ''})`] : []),
    ...(parts.some((p) => p.others.length) ? [`left out: the other files beside the labels (${[...new Set(parts.flatMap((p) => p.others.map((o) => (p.split ? `${p.split}/${o}` : o))))].slice(0, 4).join(', ')}…)`] : []),
  ];
  return { parsed: { kind: 'sequences', sequences, featureNames: names[0] }, format: 'csv', reason: 'a folder of recordings, one channel a file, and a file of their labels', bytes, sha256: hash.digest('hex'), notes };
}
