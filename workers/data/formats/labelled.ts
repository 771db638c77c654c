// Lines that start with their label (TREC's `DESC:manner How did …`, fastText's `__label__pos Great film`) → a table
// of two columns, "label" and "text", split at the first run of white space. Blank lines are skipped; a line with
// nothing after its label is a DataError naming the line.

import { DataError, type ParsedTable } from '../parsed';
import { LineSplitter } from './lines';
import { TableBuilder } from './table';

export class LabelledBuilder {
  private table: TableBuilder;
  private splitter: LineSplitter;
  rows = 0;

  constructor(readonly file: string) {
    this.table = new TableBuilder({ file, names: ['label', 'text'] });
    this.splitter = new LineSplitter(file, (l, n) => this.line(l, n));
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  private line(l: string, n: number): void {
    const t = l.trim();
    if (t === '') return;
    const sp = t.search(/\s/);
    if (sp < 0) throw new DataError(this.file, n, `a label with no text after it ("${t.length > 40 ? t.slice(0, 40) + '…' : t}")`, 'write the label, a space, then the text, on each line');
    this.table.addValues([t.slice(0, sp), t.slice(sp).trim()], n);
    this.rows++;
  }

  finish(): ParsedTable {
    this.splitter.end();
    if (this.rows === 0) throw new DataError(this.file, undefined, 'no labelled lines found', 'write the label, a space, then the text, on each line');
    return this.table.finish();
  }
}
