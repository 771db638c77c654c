// Source ⇥ target pair files → ParsedPairs. Columns after the second (Tatoeba's attribution) are ignored and
// counted; blank lines are skipped; a line without a TAB, or with an empty side, is a DataError.

import { DataError, type ParsedPairs } from '../parsed';
import { LineSplitter } from './lines';

export class PairsBuilder {
  readonly pairs: ParsedPairs['pairs'] = [];
  /** Lines that had columns after the target (ignored). */
  extraColumns = 0;
  private splitter: LineSplitter;

  constructor(readonly file: string) {
    this.splitter = new LineSplitter(file, (l, n) => this.line(l, n));
  }

  get rows(): number {
    return this.pairs.length;
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  private line(l: string, n: number): void {
    if (l.trim() === '') return;
    const a = l.indexOf('\t');
    if (a < 0) throw new DataError(this.file, n, 'expected a source and a target separated by a TAB, found no TAB', 'write one `source<TAB>target` pair per line');
    let b = l.indexOf('\t', a + 1);
    if (b >= 0) this.extraColumns++;
    else b = l.length;
    const source = l.slice(0, a).trim();
    const target = l.slice(a + 1, b).trim();
    if (source === '' || target === '') throw new DataError(this.file, n, `the ${source === '' ? 'source' : 'target'} is empty`, 'remove the line or fill in both sides');
    this.pairs.push({ source, target, line: n });
  }

  finish(): ParsedPairs {
    this.splitter.end();
    if (this.pairs.length === 0) throw new DataError(this.file, undefined, 'no source⇥target pairs found', 'write one `source<TAB>target` pair per line');
    return { kind: 'pairs', pairs: this.pairs };
  }
}

export function parsePairs(text: string, file = 'input'): ParsedPairs & { extraColumns: number } {
  const b = new PairsBuilder(file);
  b.push(text);
  return { ...b.finish(), extraColumns: b.extraColumns };
}
