// Source ⇥ target pair files → ParsedPairs. The separator is a TAB (columns after the second, such as Tatoeba's
// attribution, are ignored and counted) or a marker such as `->` (codespell's `wrong->right`); a target that lists
// alternatives (`cache, ache,` — ending in a comma) keeps the first, counted. Blank lines are skipped; a line
// without the separator, or with an empty side, is a DataError.

import { DataError, type ParsedPairs } from '../parsed';
import { LineBuilder } from './lines';

export class PairsBuilder extends LineBuilder {
  readonly pairs: ParsedPairs['pairs'] = [];
  /** Lines that had columns after the target (ignored). */
  extraColumns = 0;
  /** Targets that listed alternatives (the first kept). */
  alternatives = 0;

  constructor(
    file: string,
    readonly separator = '\t',
  ) {
    super(file);
  }

  get rows(): number {
    return this.pairs.length;
  }

  protected line(l: string, n: number): void {
    if (l.trim() === '') return;
    const sep = this.separator;
    const name = sep === '\t' ? 'a TAB' : `"${sep.trim()}"`;
    const a = l.indexOf(sep);
    if (a < 0) throw new DataError(this.file, n, `expected a source and a target separated by ${name}, found no ${sep === '\t' ? 'TAB' : name}`, `write one \`source${sep === '\t' ? '<TAB>' : sep}target\` pair per line`);
    let b = l.indexOf(sep, a + sep.length);
    if (b >= 0) this.extraColumns++;
    else b = l.length;
    const source = l.slice(0, a).trim();
    let target = l.slice(a + sep.length, b).trim();
    if (sep !== '\t' && target.endsWith(',')) {
      // "cache, ache," — alternatives: the first is the target
      target = target.split(',')[0].trim();
      this.alternatives++;
    }
    if (source === '' || target === '') throw new DataError(this.file, n, `the ${source === '' ? 'source' : 'target'} is empty`, 'remove the line or fill in both sides');
    this.pairs.push({ source, target, line: n });
  }

  finish(): ParsedPairs {
    this.endLines();
    if (this.pairs.length === 0) throw new DataError(this.file, undefined, 'no source⇥target pairs found', `write one \`source${this.separator === '\t' ? '<TAB>' : this.separator}target\` pair per line`);
    return { kind: 'pairs', pairs: this.pairs };
  }
}

export function parsePairs(text: string, file = 'input'): ParsedPairs & { extraColumns: number } {
  const b = new PairsBuilder(file);
  b.push(text);
  return { ...b.finish(), extraColumns: b.extraColumns };
}
