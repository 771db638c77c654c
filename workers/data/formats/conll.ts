// Token-per-line tagged files (CoNLL style) → ParsedTagged. A line is `token<TAB>…<TAB>tag` (or separated by runs
// of spaces when the line has no TAB): the token is the first column, the tag the last. Sentences end at a blank
// or whitespace-only line (WNUT's train file uses a lone TAB), a `-DOCSTART-` line, or a comment line (`# key = value`,
// `# key: …`). A file without sentence breaks (a stream of tokens, as OCR'd newspapers come) is split after
// sentence-final punctuation once a "sentence" passes SPLIT_AFTER tokens, and into pieces of at most MAX_PIECE.
// Lines with a token but no tag are skipped and counted, unless they are more than 5% of the lines. CoNLL-U lines (ten
// columns, an ID first) are read as their word (FORM) and its universal part of speech (UPOS).

import { DataError, type ParsedTagged } from '../parsed';
import { LineBuilder } from './lines';

/** A "sentence" this long means the file has no sentence breaks: split at sentence-final punctuation from then on. */
const SPLIT_AFTER = 1000;
const MAX_PIECE = 200;
const STOP = /^[.!?。！？]+$/;
/** Distinct tags a tag file may have (a real tag set has tens; a file past this is not tagged text). */
export const MAX_TAGS = 10_000;

export class ConllBuilder extends LineBuilder {
  readonly sentences: ParsedTagged['sentences'] = [];
  private tokens: string[] = [];
  private tags: string[] = [];
  private start = 0;
  private counts = new Map<string, string>();
  private tagCount = new Map<string, number>();
  /** Lines skipped as document separators or comments. */
  separators = 0;
  /** Token lines without a tag, skipped. */
  untagged = 0;
  /** Word lines read as CoNLL-U (FORM tagged with UPOS). */
  universal = 0;
  private tokenLines = 0;
  private firstUntagged?: { line: number; text: string };
  /** No sentence breaks in the file: sentences are cut after . ! ? (and at MAX_PIECE tokens). */
  splitting = false;

  constructor(file: string) {
    super(file);
  }

  get rows(): number {
    return this.sentences.length;
  }

  protected line(l: string, n: number): void {
    const t = l.trim();
    if (t === '') return this.close();
    // -DOCSTART- (CoNLL-2003) and comments ("# text = …" in CoNLL-U, "# file: …"); a token "#" with a tag is a token.
    if (t.startsWith('-DOCSTART-') || /^#\s*[\w .-]+\s*[:=]/.test(t)) {
      this.separators++;
      return this.close();
    }
    this.tokenLines++;
    const parts = l.indexOf('\t') >= 0 ? l.split('\t').map((p) => p.trim()) : t.split(/\s+/);
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    if (parts.length < 2 || parts[0] === '' || parts[parts.length - 1] === '') {
      this.untagged++;
      this.firstUntagged ??= { line: n, text: l };
      return;
    }
    let token = parts[0];
    let last = parts[parts.length - 1];
    // CoNLL-U (Universal Dependencies): ten columns, the word's ID first; the word is FORM and its tag UPOS (the 2nd
    // and 4th columns: the last, MISC, is mostly "_"). Multiword-token lines (ID 1-2) and empty nodes (ID 8.1) add
    // no word of their own.
    if (parts.length === 10 && /^\d+([-.]\d+)?$/.test(parts[0])) {
      if (!/^\d+$/.test(parts[0])) return;
      this.universal++;
      token = parts[1];
      last = parts[3];
    }
    if (this.tokens.length === 0) this.start = n;
    if (this.tagCount.size >= MAX_TAGS && !this.tagCount.has(last)) {
      throw new DataError(this.file, n, `more than ${MAX_TAGS.toLocaleString('en-US')} distinct tags`, 'a tag set has tens of tags (B-PER, NOUN…): check that the last column of each line is the tag');
    }
    const tag = this.intern(last);
    this.tokens.push(token);
    this.tags.push(tag);
    this.tagCount.set(tag, (this.tagCount.get(tag) ?? 0) + 1);
    if (this.splitting) {
      if (STOP.test(parts[0]) || this.tokens.length >= MAX_PIECE) this.close();
    } else if (this.tokens.length >= SPLIT_AFTER) {
      // No sentence breaks: cut what we have after its stops, and keep cutting from here on.
      this.splitting = true;
      const tokens = this.tokens;
      const tags = this.tags;
      this.tokens = [];
      this.tags = [];
      for (let i = 0; i < tokens.length; i++) {
        this.tokens.push(tokens[i]);
        this.tags.push(tags[i]);
        if (STOP.test(tokens[i]) || this.tokens.length >= MAX_PIECE) this.close();
      }
    }
  }

  private intern(s: string): string {
    const c = this.counts.get(s);
    if (c !== undefined) return c;
    this.counts.set(s, s);
    return s;
  }

  private close(): void {
    if (this.tokens.length === 0) return;
    this.sentences.push({ tokens: this.tokens, tags: this.tags, line: this.start });
    this.tokens = [];
    this.tags = [];
  }

  finish(): ParsedTagged {
    this.endLines();
    this.close();
    if (this.untagged > 0.05 * this.tokenLines && this.firstUntagged) {
      const l = this.firstUntagged.text;
      throw new DataError(this.file, this.firstUntagged.line, `expected a token and a tag separated by a TAB, found ${JSON.stringify(l.length > 60 ? l.slice(0, 60) + '…' : l)} (${this.untagged} of ${this.tokenLines} lines have no tag)`, 'write one `token<TAB>tag` per line, with a blank line between sentences');
    }
    if (this.sentences.length === 0) throw new DataError(this.file, undefined, 'no tagged tokens found', 'write one `token<TAB>tag` per line, with a blank line between sentences');
    const tags = [...this.tagCount].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    return { kind: 'tagged', sentences: this.sentences, tags };
  }
}

export function parseConll(text: string, file = 'input'): ParsedTagged {
  const b = new ConllBuilder(file);
  b.push(text);
  return b.finish();
}
