// sktime / UEA time-series archive files (`.ts`) → ParsedSequences. Header lines start with `@` (`@dimensions 6`,
// `@classLabel true Standing Running …`, `@data`); `#` lines are comments. After `@data`, each line is one sequence:
// its dimensions separated by `:`, the values of a dimension by `,` (`?` or empty = missing), and, when the header
// says `@classLabel true`, the class label as the last `:` field. Errors name the line.

import { DataError, type ParsedSequences } from '../parsed';
import { LineBuilder } from './lines';

export class TsArchiveBuilder extends LineBuilder {
  private inData = false;
  private labelled = false;
  private declared?: string[];
  private dims = -1;
  readonly sequences: ParsedSequences['sequences'] = [];
  problem?: string;

  constructor(file: string) {
    super(file);
  }

  get rows(): number {
    return this.sequences.length;
  }

  protected line(l: string, n: number): void {
    const t = l.trim();
    if (t === '' || t.startsWith('#')) return;
    if (!this.inData) {
      if (!t.startsWith('@')) throw new DataError(this.file, n, `expected an @ header line or @data, found "${t.slice(0, 40)}"`, 'a .ts archive starts with @ lines (@problemName, @classLabel …) and @data');
      const [key, ...rest] = t.slice(1).split(/\s+/);
      const k = key.toLowerCase();
      if (k === 'data') this.inData = true;
      else if (k === 'problemname') this.problem = rest.join(' ');
      else if (k === 'classlabel' || k === 'targetlabel') {
        this.labelled = rest[0]?.toLowerCase() === 'true';
        if (this.labelled && k === 'classlabel' && rest.length > 1) this.declared = rest.slice(1);
      } else if (k === 'timestamps' && rest[0]?.toLowerCase() === 'true') {
        throw new DataError(this.file, n, 'time-stamped .ts data is not read yet', 'export the series without time stamps (@timeStamps false)');
      }
      return;
    }
    const fields = t.split(':');
    const label = this.labelled ? fields.pop()!.trim() : undefined;
    if (this.dims < 0) this.dims = fields.length;
    if (fields.length !== this.dims) throw new DataError(this.file, n, `${fields.length} dimensions on this line, ${this.dims} on the first`, 'every sequence needs the same dimensions');
    const values = fields.map((f) =>
      f.split(',').map((v) => {
        const x = v.trim();
        if (x === '' || x === '?' || x.toLowerCase() === 'nan') return NaN;
        const num = Number(x);
        if (!Number.isFinite(num)) throw new DataError(this.file, n, `"${x.slice(0, 20)}" is not a number`, 'values are numbers separated by commas (? for a missing one)');
        return num;
      }),
    );
    const len = Math.max(...values.map((v) => v.length));
    const steps = Array.from({ length: len }, (_, s) => Float64Array.from(values, (v) => v[s] ?? NaN));
    if (label !== undefined && this.declared && !this.declared.includes(label)) throw new DataError(this.file, n, `the label "${label}" is not among the @classLabel values (${this.declared.join(', ')})`, 'correct the label or the header');
    this.sequences.push({ id: String(this.sequences.length + 1), steps, ...(label !== undefined ? { label } : {}), line: n });
  }

  finish(): ParsedSequences {
    this.endLines();
    if (!this.inData) throw new DataError(this.file, undefined, 'no @data line', 'a .ts archive lists its sequences after an @data line');
    if (this.sequences.length === 0) throw new DataError(this.file, undefined, 'no sequences after @data', 'add one sequence per line after @data');
    const featureNames = Array.from({ length: this.dims }, (_, i) => `dim ${i + 1}`);
    return { kind: 'sequences', sequences: this.sequences, featureNames };
  }
}
