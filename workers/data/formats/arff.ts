// Weka's ARFF files (`.arff`: UCI's EEG Eye State, the UCR/UEA archives' univariate files) → a table. `%` lines are
// comments; `@relation NAME`, then one `@attribute NAME TYPE` per column (numeric, real, integer, string, date, or a
// nominal `{a,b,c}`), then `@data` and one comma-separated row per line (`?` missing, values quoted with ' or ").
// The columns are typed by their values, as any table's are, but a nominal stays a category ({0,1} too), and the
// last attribute, when nominal, is the class (Weka's convention): the target the proposal predicts. Sparse
// rows (`{0 1.5, 3 x}`) and relational attributes (UEA's multivariate files) are refused with their line: the same
// data as a .ts archive or a CSV reads.

import { DataError, type ParsedTable } from '../parsed';
import { LineBuilder } from './lines';
import { TableBuilder } from './table';

/** Splits an ARFF line on commas outside quotes ('…' or "…", \ escapes inside). */
export function arffFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && i + 1 < line.length) cur += line[++i];
      else if (c === quote) quote = '';
      else cur += c;
    } else if ((c === "'" || c === '"') && cur.trim() === '') {
      quote = c;
      quoted = true;
      cur = '';
    } else if (quoted && /\s/.test(c)) {
      // spaces after a closing quote, before the comma
    } else if (c === ',') {
      out.push(quoted ? cur : cur.trim());
      cur = '';
      quoted = false;
    } else cur += c;
  }
  out.push(quoted ? cur : cur.trim());
  return out;
}

/** `@attribute NAME TYPE`: the name (quoted or not) and the type's first word. */
function attribute(rest: string): { name: string; type: string } | undefined {
  const t = rest.trim();
  const m = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\S+))\s+(.*)$/.exec(t);
  if (!m) return undefined;
  const name = (m[1] ?? m[2] ?? m[3]).replace(/\\(.)/g, '$1');
  const type = m[4].trim().startsWith('{') ? 'nominal' : m[4].trim().split(/\s+/)[0].toLowerCase();
  return { name, type };
}

export class ArffBuilder extends LineBuilder {
  private inData = false;
  private readonly names: string[] = [];
  /** Columns declared nominal ({0,1}, {yes,no}): categories even when written as numbers. */
  private readonly nominal = new Set<number>();
  private table?: TableBuilder;
  relation?: string;
  rows = 0;

  constructor(file: string) {
    super(file);
  }

  protected line(l: string, n: number): void {
    const t = l.trim();
    if (t === '' || t.startsWith('%')) return;
    if (!this.inData) {
      if (!t.startsWith('@')) throw new DataError(this.file, n, `expected an @ line (@relation, @attribute, @data), found "${t.slice(0, 40)}"`, 'an ARFF file starts with @relation and one @attribute line per column, then @data');
      const sp = t.search(/\s/);
      const key = (sp < 0 ? t : t.slice(0, sp)).slice(1).toLowerCase();
      const rest = sp < 0 ? '' : t.slice(sp + 1);
      if (key === 'relation') this.relation = rest.trim().replace(/^['"]|['"]$/g, '');
      else if (key === 'attribute') {
        const a = attribute(rest);
        if (!a) throw new DataError(this.file, n, `an @attribute line needs a name and a type: "${t.slice(0, 60)}"`, 'write @attribute NAME numeric (or string, date, {a,b,c})');
        if (a.type === 'relational') throw new DataError(this.file, n, `the relational attribute "${a.name}" (a multivariate series per row) is not read`, 'use the same data as a .ts archive (the UEA archive ships both) or as a CSV');
        if (a.type === 'nominal') this.nominal.add(this.names.length);
        this.names.push(a.name);
      } else if (key === 'end') throw new DataError(this.file, n, 'relational attributes (@end) are not read', 'use the same data as a .ts archive or as a CSV');
      else if (key === 'data') {
        if (this.names.length === 0) throw new DataError(this.file, n, '@data before any @attribute line', 'declare each column with @attribute NAME TYPE before @data');
        this.inData = true;
        this.table = new TableBuilder({ file: this.file, names: this.names, header: false });
      }
      return;
    }
    if (t.startsWith('{')) throw new DataError(this.file, n, 'sparse ARFF rows ({index value, …}) are not read', 'save the data as dense ARFF or as a CSV');
    const cells = arffFields(t);
    if (cells.length !== this.names.length) throw new DataError(this.file, n, `${cells.length} values on this line, ${this.names.length} @attribute columns declared`, 'every row needs one value per @attribute (? for a missing one)');
    this.table!.addRow(cells.map((c) => (c === '?' ? '' : c)), n);
    this.rows++;
  }

  finish(): ParsedTable {
    this.endLines();
    if (!this.table) throw new DataError(this.file, undefined, 'no @data line', 'an ARFF file lists its rows after an @data line');
    const t = this.table.finish();
    // the file names its columns (a header, as a CSV's first row is), and says which are classes
    const columns = t.columns.map((c, i) => {
      if (!this.nominal.has(i) || !c.numbers || c.type !== 'numeric') return c;
      const strings = Array.from(c.numbers, (v) => (Number.isNaN(v) ? '' : String(v)));
      const counts = new Map<string, number>();
      for (const v of strings) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
      return { name: c.name, type: 'categorical' as const, strings, missing: c.missing, categories: [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count) };
    });
    // Weka's convention: the last attribute, when nominal, is the class
    const last = this.names.length - 1;
    return { ...t, columns, header: true, ...(this.nominal.has(last) ? { declaredTarget: columns[last].name } : {}) };
  }
}
