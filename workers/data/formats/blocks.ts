// Blocks of numbers separated by blank lines (the original layout of classic sequence sets such as the Japanese
// Vowels data: one block per sequence, one line per step, values separated by spaces) → a table whose first column
// "block" numbers the blocks (1, 2, …) and whose other columns are the values by position. A line of another width
// than the first is a DataError naming the line.

import { DataError, type ParsedTable } from '../parsed';
import { LineBuilder } from './lines';
import { TableBuilder } from './table';

const NUMBERS = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(\s+[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)*$/;

/** Whether a file's lines are blocks of numbers: ≥ 90% numeric lines of one width, blank lines between ≥ 2 blocks. */
export function numberBlocks(rawLines: string[]): boolean {
  let blocks = 0;
  let inBlock = false;
  let numeric = 0;
  let other = 0;
  let width = -1;
  let sameWidth = 0;
  for (const raw of rawLines) {
    const t = raw.trim();
    if (t === '') {
      if (inBlock) blocks++;
      inBlock = false;
      continue;
    }
    inBlock = true;
    if (!NUMBERS.test(t)) {
      other++;
      continue;
    }
    numeric++;
    const w = t.split(/\s+/).length;
    if (width < 0) width = w;
    if (w === width) sameWidth++;
  }
  return blocks >= 2 && numeric >= 0.9 * (numeric + other) && sameWidth >= 0.95 * numeric && numeric >= 2 * (blocks + 1);
}

export class BlocksBuilder extends LineBuilder {
  private table?: TableBuilder;
  private block = 1;
  private open = false;
  private width = -1;
  rows = 0;

  constructor(file: string) {
    super(file);
  }

  protected line(l: string, n: number): void {
    const t = l.trim();
    if (t === '') {
      if (this.open) this.block++;
      this.open = false;
      return;
    }
    const values = t.split(/\s+/);
    if (this.width < 0) {
      this.width = values.length;
      this.table = new TableBuilder({ file: this.file, names: ['block', ...values.map((_, i) => String(i + 1))], header: false });
    }
    if (values.length !== this.width) throw new DataError(this.file, n, `${values.length} values on this line, ${this.width} on the first`, 'give every line of every block the same number of values');
    this.open = true;
    this.table!.addValues([String(this.block), ...values.map(Number)], n);
    this.rows++;
  }

  finish(): ParsedTable {
    this.endLines();
    if (!this.table) throw new DataError(this.file, undefined, 'no numbers found', 'write one line of numbers per step, a blank line between sequences');
    return this.table.finish();
  }
}
