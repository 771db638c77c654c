// What a person would choose for each dataset of ../shared/datasets/ (its EXPECTED.md, one entry per row, written as
// checks on a Proposal), and the check itself. Used by corpus.test.ts (the proposer on every dataset, agreement per
// row) and tools/datasets-check.mjs (the no-flags training run of each). An entry accepts every answer EXPECTED.md
// calls reasonable ("primary …; also OK …"); `accepted` names a row that is allowed to disagree, with the reason.

import type { Proposal } from '../../src-shared/dataset';
import type { ProblemShape } from '../../src-shared/model';
import entries from './corpus.json';

export interface CorpusEntry {
  /** Folder under ../shared/datasets/. */
  folder: string;
  /** File (or folder) inside it that a person would drop in. */
  file: string;
  shape: ProblemShape[];
  /** Acceptable targets (column names, or positions in a file without a header); undefined: no column target. */
  target?: string[];
  /** Columns the inputs must include, and columns they must not. */
  inputsInclude?: string[];
  inputsExclude?: string[];
  /** The sequence / series key (undefined: there must be none). */
  sequence?: string;
  /** The split column honoured, where the file has one. */
  split?: string;
  /** Time: columns of the time index (all of them, any order), the interval, and acceptable seasonal periods (0 = none). */
  time?: { columns?: string[][]; interval?: string; season?: number[] };
  /** The data kind the file is read as (table, text, tagged, pairs, sequences). */
  kind?: Proposal['kind'];
  /** Reads the wide layout (each row one sequence). */
  wide?: boolean;
  /** Encoder–decoder: the token unit of each side (EXPECTED.md's "character-level", "translation" of sentences). */
  tokens?: { source: 'char' | 'word'; target: 'char' | 'word' };
  /** Published figure to approach, from SOURCE.md (for the no-flags training check). */
  reference?: string;
  /** Why this row may disagree (it is then reported, not failed). */
  accepted?: string;
}

export const CORPUS = entries as CorpusEntry[];

/** Where a proposal disagrees with an entry, in words (empty: it agrees). */
export function disagreements(e: CorpusEntry, p: Proposal): string[] {
  const out: string[] = [];
  const c = p.choice;
  if (!e.shape.includes(p.shape)) out.push(`shape ${p.shape}, expected ${e.shape.join(' or ')}`);
  if (e.kind && p.kind !== e.kind) out.push(`read as ${p.kind}, expected ${e.kind}`);
  if (e.target && !(c.target !== undefined && e.target.includes(c.target))) out.push(`target ${c.target ?? '(none)'}, expected ${e.target.join(' or ')}`);
  const inputs = c.input ?? [];
  for (const x of e.inputsInclude ?? []) if (!inputs.includes(x)) out.push(`inputs lack "${x}"`);
  for (const x of e.inputsExclude ?? []) if (inputs.includes(x)) out.push(`inputs include "${x}"`);
  if ((c.sequence ?? undefined) !== e.sequence) out.push(`sequence ${c.sequence ?? '(none)'}, expected ${e.sequence ?? '(none)'}`);
  if (e.split !== undefined && c.split !== e.split) out.push(`split ${c.split ?? '(none)'}, expected "${e.split}"`);
  if (e.wide && !c.wide) out.push('not read as a wide table');
  if (e.tokens) {
    const got = { source: c.tokens, target: c.targetTokens ?? c.tokens };
    if (got.source !== e.tokens.source || got.target !== e.tokens.target) out.push(`tokens ${got.source} → ${got.target}, expected ${e.tokens.source} → ${e.tokens.target}`);
  }
  if (e.time) {
    const t = p.time;
    if (!t) out.push('no time axis found');
    else {
      if (e.time.columns && !e.time.columns.some((cols) => cols.length === t.columns.length && cols.every((x) => t.columns.includes(x)))) out.push(`time from ${t.columns.join(' + ')}, expected ${e.time.columns.map((x) => x.join(' + ')).join(' or ')}`);
      if (e.time.interval && t.interval !== e.time.interval) out.push(`interval ${t.interval ?? '(none)'}, expected ${e.time.interval}`);
      if (e.time.season && !e.time.season.includes(c.season ?? 0)) out.push(`season ${c.season ?? 'none'}, expected ${e.time.season.map((s) => s || 'none').join(' or ')}`);
    }
  }
  return out;
}
