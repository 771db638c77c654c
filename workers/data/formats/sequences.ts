// Long-format tables (one row per time step) → ParsedSequences: rows grouped by a sequence-id column (in order of
// first appearance), sorted by an optional step column (stable), with an optional per-sequence label that must be
// the same on every row of a sequence. Features default to every other numeric column.

import { type Column, DataError, type ParsedSequences, type ParsedTable } from '../parsed';

export interface GroupOptions {
  sequence: string;
  step?: string;
  label?: string;
  features?: string[];
  /** For messages. */
  file?: string;
}

/** A column by name, or by 1-based position when no column has that name. */
export function findColumn(table: ParsedTable, ref: string, file: string, role: string): Column {
  const byName = table.columns.find((c) => c.name === ref);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) {
    const i = Number(ref) - 1;
    if (i >= 0 && i < table.columns.length) return table.columns[i];
  }
  throw new DataError(file, undefined, `no column "${ref}" for the ${role} (columns: ${table.columns.map((c) => c.name).join(', ')})`, 'name a column, or give its 1-based position');
}

function cellString(c: Column, r: number): string {
  if (c.strings) return c.strings[r];
  const v = c.numbers![r];
  return Number.isNaN(v) ? '' : c.type === 'date' ? new Date(v).toISOString() : String(v);
}

export function groupSequences(table: ParsedTable, opts: GroupOptions): ParsedSequences {
  const file = opts.file ?? 'table';
  const seqCol = findColumn(table, opts.sequence, file, 'sequence id');
  const stepCol = opts.step !== undefined ? findColumn(table, opts.step, file, 'step') : undefined;
  const labelCol = opts.label !== undefined ? findColumn(table, opts.label, file, 'label') : undefined;
  if (stepCol && !stepCol.numbers) throw new DataError(file, undefined, `the step column "${stepCol.name}" is not numeric or a date`, 'choose a column of step numbers or times');
  const used = new Set([seqCol, stepCol, labelCol]);
  const features = opts.features
    ? opts.features.map((f) => findColumn(table, f, file, 'features'))
    : table.columns.filter((c) => !used.has(c) && c.type === 'numeric');
  if (features.length === 0) throw new DataError(file, undefined, 'no numeric feature columns left for the sequences', 'name the feature columns');
  for (const f of features) {
    if (f.type !== 'numeric') throw new DataError(file, undefined, `the feature column "${f.name}" is ${f.type}, not numeric`, 'choose numeric columns as features');
  }

  const groups = new Map<string, number[]>();
  for (let r = 0; r < table.rows; r++) {
    const id = cellString(seqCol, r);
    if (id === '') throw new DataError(file, table.lineOfRow[r], `the sequence id ("${seqCol.name}") is missing`, 'give every row its sequence id');
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(r);
  }
  const sequences: ParsedSequences['sequences'] = [];
  for (const [id, rows] of groups) {
    const firstRow = rows[0]; // rows were gathered in file order
    if (stepCol) {
      const s = stepCol.numbers!;
      rows.sort((a, b) => s[a] - s[b] || a - b);
    }
    let label: string | undefined;
    if (labelCol) {
      for (const r of rows) {
        const v = cellString(labelCol, r);
        if (v === '') continue;
        if (label === undefined) label = v;
        else if (v !== label) {
          throw new DataError(file, table.lineOfRow[r], `sequence "${id}" has label "${v}" here but "${label}" earlier`, `a label column must be the same on every row of a sequence; choose another column than "${labelCol.name}"`);
        }
      }
    }
    const steps = rows.map((r) => {
      const x = new Float64Array(features.length);
      for (let k = 0; k < features.length; k++) x[k] = features[k].numbers![r];
      return x;
    });
    sequences.push({ id, steps, ...(label !== undefined ? { label } : {}), line: table.lineOfRow[firstRow] });
  }
  return { kind: 'sequences', sequences, featureNames: features.map((f) => f.name) };
}
