// Guesses a file's format from its name and its first ~64 KB, and says why (shown to the person, who can override).

import type { FormatName } from '../parsed';
import { numberBlocks } from './blocks';
import { sampleLines, sniffDialect } from './csv';
import { isMissing, toNumber } from './table';

export const HEAD_BYTES = 64 * 1024;

export interface Detected {
  format: FormatName;
  reason: string;
}

const isNum = (s: string): boolean => {
  const t = s.trim();
  return !isMissing(t) && !Number.isNaN(toNumber(t));
};
const wordy = (s: string): boolean => /\p{L}/u.test(s) && !isNum(s);

/** token⇥tag lines in blank-line-separated blocks (or -DOCSTART- lines). */
function conllScore(rawLines: string[]): { ok: boolean; why: string } {
  let blocks = 0;
  let tokenLines = 0;
  let good = 0;
  let inBlock = false;
  let ended = false; // a block ended (blank line or -DOCSTART-) and another starts after it
  for (const raw of rawLines) {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const t = l.trim();
    if (t === '' || t.startsWith('-DOCSTART-')) {
      if (t !== '') ended = true;
      if (inBlock) blocks++;
      inBlock = false;
      continue;
    }
    if (blocks > 0 && !inBlock) ended = true;
    tokenLines++;
    inBlock = true;
    const parts = l.includes('\t') ? l.split('\t').map((p) => p.trim()).filter((p) => p !== '') : t.split(/\s+/);
    if (parts.length < 2 || parts.length > 12) continue;
    const token = parts[0];
    const tag = parts[parts.length - 1];
    if (token.length <= 60 && !/\s/.test(token) && tag.length <= 40 && !/\s/.test(tag)) good++;
  }
  if (tokenLines === 0) return { ok: false, why: '' };
  const frac = good / tokenLines;
  const perBlock = tokenLines / Math.max(1, blocks);
  const ok = frac >= 0.9 && ended && perBlock >= 2;
  return { ok, why: `${Math.round(frac * 100)}% of lines are token⇥tag, in ${blocks} blank-line-separated blocks` };
}

function looksJsonl(lines: string[]): boolean {
  const sample = lines.slice(0, 20);
  if (sample.length < 1) return false;
  for (const l of sample) {
    try {
      JSON.parse(l);
    } catch {
      return false;
    }
  }
  return true;
}

/** `->`-style pair separators, in the order they are tried (a TAB is handled with the tables). */
const PAIR_SEPARATORS = [' -> ', '->', ' => ', '=>', ' ||| '] as const;

/** The pair separator that ≥ 90% of the lines hold exactly once with text on both sides, or undefined. */
export function pairSeparator(lines: string[]): string | undefined {
  if (lines.length < 3) return undefined;
  for (const sep of PAIR_SEPARATORS) {
    const ok = lines.filter((l) => {
      const i = l.indexOf(sep);
      return i > 0 && l.indexOf(sep, i + 1) < 0 && l.slice(i + sep.length).trim() !== '';
    }).length;
    if (ok >= 0.9 * lines.length) return sep;
  }
  return undefined;
}

/** A label at the start of each line ("DESC:manner How did …", "__label__pos Great film"): few distinct, label-like. */
const LABEL_TOKEN = /^(__label__\S+|[A-Z0-9_]+(?::[A-Za-z0-9_]+)?|-?\d{1,3})$/;
function labelledLines(lines: string[]): boolean {
  if (lines.length < 5 || lines.some((l) => l.includes('\t'))) return false;
  let labelled = 0;
  let words = 0;
  let lettered = 0;
  const firsts = new Set<string>();
  for (const l of lines) {
    const t = l.trim();
    const sp = t.search(/\s/);
    if (sp <= 0) continue;
    const first = t.slice(0, sp);
    if (!LABEL_TOKEN.test(first)) continue;
    labelled++;
    firsts.add(first);
    const rest = t.slice(sp).trim();
    words += rest.split(/\s+/).length;
    if (/\p{L}/u.test(rest.replace(/[+-]?\d*\.?\d+(e[+-]?\d+)?/gi, ''))) lettered++;
  }
  // (a text has words: numbers after the first — NASA's `1 1 -0.0007 … 641.82` — are a table's columns)
  return labelled >= 0.9 * lines.length && lettered >= 0.5 * labelled && firsts.size <= Math.max(2, Math.min(200, 0.3 * lines.length)) && words / Math.max(1, labelled) >= 3;
}

/**
 * Rows of 2–4 fields where one end is a label (few distinct short values) and the other a text of several words
 * (`i didnt feel humiliated;sadness`): a table to classify, not running text.
 */
function textAndLabel(rows: string[][], fields: number): boolean {
  if (fields > 4 || rows.length < 10) return false;
  const even = rows.filter((r) => r.length === fields);
  if (even.length < 0.9 * rows.length) return false;
  const words = (v: string): number => v.trim().split(/\s+/).length;
  const isLabel = (i: number): boolean => {
    const v = even.map((r) => r[i].trim());
    return new Set(v).size <= Math.max(10, 0.1 * v.length) && v.every((x) => x.length <= 40 && words(x) <= 3);
  };
  const isText = (i: number): boolean => even.reduce((n, r) => n + words(r[i]), 0) / even.length >= 3;
  return (isLabel(fields - 1) && isText(0)) || (isLabel(0) && isText(fields - 1));
}

/** sktime / UEA `.ts` files: `@problemName …` header lines, then `@data`. */
function tsArchive(text: string): boolean {
  return /^\s*(#.*\n\s*)*@(problemName|timeStamps|missing|univariate|dimensions|equalLength|seriesLength|classLabel|targetLabel)\b/m.test(text.slice(0, 8192)) && /^@data\s*$/im.test(text);
}

/**
 * TAB-separated lines: source⇥target pairs when the first two columns are both text of similar length and neither is
 * a short list of labels (a label⇥text file is a table: text classification); a table otherwise.
 */
function tabSeparated(lines: string[]): Detected {
  const cols = lines.map((l) => l.split('\t'));
  const body = lines.length > 1 ? cols.slice(1) : cols; // the first line may be a header
  const last = (r: string[]): string => r[r.length - 1].trim();
  const smallLabel = body.filter((r) => r.length >= 2 && /^-?\d{1,3}$/.test(last(r))).length / body.length;
  const numericCols = body.filter((r) => r.filter(isNum).length >= r.length / 2).length / body.length;
  if (smallLabel >= 0.9 && body.every((r) => r.length === body[0].length)) {
    return { format: 'tsv', reason: 'TAB-separated text with a small integer label in the last column (a table)' };
  }
  const bothWords = body.filter((r) => r.length >= 2 && wordy(r[0]) && wordy(r[1])).length / body.length;
  if (bothWords >= 0.9 && numericCols < 0.5) {
    const a = body.map((r) => r[0].trim());
    const b = body.map((r) => (r[1] ?? '').trim());
    const fewValues = (v: string[]): boolean => body.length >= 10 && new Set(v).size <= Math.max(10, 0.1 * v.length);
    const median = (v: string[]): number => v.map((x) => x.length).sort((x, y) => x - y)[v.length >> 1] || 1;
    const ratio = median(a) / median(b);
    if (fewValues(a) !== fewValues(b)) return { format: 'tsv', reason: `TAB-separated: a column of a few distinct values beside text (labels and their texts: a table)` };
    if (ratio >= 1 / 4 && ratio <= 4) {
      const extra = body.filter((r) => r.length > 2).length;
      return { format: 'pairs', reason: `TAB-separated pairs of text (source⇥target)${extra ? `; ${extra} of ${body.length} sampled lines have more columns, ignored` : ''}` };
    }
  }
  return { format: 'tsv', reason: 'TAB-separated columns' };
}

/**
 * `head`: the start of the file as text; `complete`: whether it is the whole file (else its last line may be cut
 * and is not judged). The content decides over the extension where they disagree about structure (a `.tsv` of
 * token⇥tag sentences is CoNLL, a `.ts` of `@data` lines is a time-series archive).
 */
export function detectFormat(fileName: string, head: string, complete = false): Detected {
  const ext = (/\.([A-Za-z0-9]+)$/.exec(fileName)?.[1] ?? '').toLowerCase();
  const text = head.replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  const rawLines = text.split('\n');
  if (!complete && rawLines.length > 1) rawLines.pop();
  const lines = sampleLines(text, 200, !complete);

  if (ext === 'jsonl' || ext === 'ndjson') return { format: 'jsonl', reason: `.${ext}: one JSON value per line` };
  if (ext === 'json') {
    if (!trimmed.startsWith('[') && lines.length > 1 && looksJsonl(lines)) return { format: 'jsonl', reason: '.json, but each line is a JSON value of its own' };
    return { format: 'json', reason: '.json file' };
  }
  if (ext === 'tsf' || (/^@attribute\s/im.test(text.slice(0, 8192)) && /^@(frequency|horizon|equallength)\b/im.test(text.slice(0, 8192)))) return { format: 'tsf', reason: ext === 'tsf' ? '.tsf file (Monash forecasting archive)' : '@attribute and @frequency lines: a Monash forecasting archive file (.tsf)' };
  if (ext === 'arff' || /^\s*(%.*\n\s*)*@relation\b/i.test(text.slice(0, 8192))) return { format: 'arff', reason: ext === 'arff' ? '.arff file (Weka)' : '@relation and @attribute lines: an ARFF file (Weka)' };
  if (tsArchive(text)) return { format: 'ts', reason: '@-header lines and @data: a sktime/UEA time-series archive (.ts)' };
  if (ext === 'conll' || ext === 'conllu' || ext === 'bio' || ext === 'iob' || ext === 'iob2') return { format: 'conll', reason: `.${ext}: token⇥tag lines, a blank line between sentences` };
  if (numberBlocks(rawLines)) return { format: 'blocks', reason: 'blocks of numbers separated by blank lines (one block per sequence)' };
  const conll = conllScore(rawLines);
  if (conll.ok) return { format: 'conll', reason: `${conll.why}${ext === 'tsv' || ext === 'csv' ? ` (though named .${ext})` : ''}` };
  if (ext === 'tsv' || ext === 'tab') return { format: 'tsv', reason: `.${ext} file` };
  if (ext === 'csv') return { format: 'csv', reason: '.csv file' };

  // By content.
  if (trimmed.startsWith('[')) return { format: 'json', reason: 'starts with [ (a JSON array)' };
  if (trimmed.startsWith('{')) {
    if (lines.length > 1 && looksJsonl(lines)) return { format: 'jsonl', reason: 'each line is a JSON object' };
    return { format: 'json', reason: 'starts with { (a JSON object)' };
  }

  if (lines.length > 0) {
    const withTab = lines.filter((l) => l.includes('\t')).length / lines.length;
    if (withTab >= 0.9) return tabSeparated(lines);
    const sep = pairSeparator(lines);
    if (sep) return { format: 'pairs', reason: `pairs written source${sep.trim()}target on each line` };
    if (labelledLines(lines)) return { format: 'labelled', reason: 'a label, then text, on each line (the label is the first word)' };
    const d = sniffDialect(text, [',', ';', '|'], !complete);
    if (d.fields >= 2 && d.consistency >= 0.9 && lines.length >= 2) {
      const rows = lines.slice(1).map((l) => (d.separator === ' ' ? l.trim().split(/[ \t]+/) : l.split(d.separator)));
      // (a number with a decimal comma is a number where the separator is not a comma: 20,5 in a ;-separated file)
      const num = (x: string): boolean => isNum(x) || (d.separator !== ',' && /^\s*[+-]?\d+,\d+\s*$/.test(x));
      const numericShare = rows.filter((r) => r.some(num)).length / rows.length;
      const sepName = d.separator === ' ' ? 'space' : `"${d.separator}"`;
      if (numericShare >= 0.8) return { format: 'csv', reason: `${sepName}-separated columns with numbers` };
      if (textAndLabel(rows, d.fields)) return { format: 'csv', reason: `${sepName}-separated text and a label of few values beside it (a table)` };
    }
    // one number a line (a series written out: sunspots.txt, Mackey–Glass), perhaps under a name: a one-column table
    const body = lines.slice(1).filter((l) => l.trim() !== '' && !/^(na|nan|n\/a|null|\?|-)$/i.test(l.trim()));
    if (body.length >= 5 && body.filter((l) => isNum(l.trim())).length >= 0.98 * body.length) return { format: 'csv', reason: 'one number a line (a series)' };
  }
  return { format: 'text', reason: ext === 'txt' || ext === '' ? 'plain text' : `plain text (.${ext} is not a table or tagged format)` };
}
