// Lines that start with their label (TREC's `DESC:manner How did …`, fastText's `__label__pos Great film`) → a table
// of two columns, "label" and "text", split at the first run of white space. Blank lines are skipped; a line with
// nothing after its label is a DataError naming the line.

import { DataError, type ParsedTable } from '../parsed';
import { LineBuilder } from './lines';
import { TableBuilder } from './table';

export class LabelledBuilder extends LineBuilder {
  private table: TableBuilder;
  rows = 0;

  constructor(file: string) {
    super(file);
    this.table = new TableBuilder({ file, names: ['label', 'text'] });
  }

  protected line(l: string, n: number): void {
    const t = l.trim();
    if (t === '') return;
    const sp = t.search(/\s/);
    if (sp < 0) throw new DataError(this.file, n, `a label with no text after it ("${t.length > 40 ? t.slice(0, 40) + '…' : t}")`, 'write the label, a space, then the text, on each line');
    this.table.addValues([t.slice(0, sp), t.slice(sp).trim()], n);
    this.rows++;
  }

  finish(): ParsedTable {
    this.endLines();
    if (this.rows === 0) throw new DataError(this.file, undefined, 'no labelled lines found', 'write the label, a space, then the text, on each line');
    return this.table.finish();
  }
}
