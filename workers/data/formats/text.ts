// Plain text → ParsedText: the text itself (the one copy kept), CRLF normalised to LF, a BOM dropped; a Project
// Gutenberg book without the licence around it. At most MAX_TEXT_CHARS characters: a longer text is refused while it
// streams in (never built whole).

import { DataError, type ParsedText } from '../parsed';

/** Characters of plain text the studio trains on (a file may be up to 1 GiB; its text up to this). */
export const MAX_TEXT_CHARS = 100_000_000;

export class TextBuilder {
  constructor(private readonly file = 'input') {}

  private parts: string[] = [];
  private lines = 0;
  private chars = 0;
  private heldCr = false;
  private started = false;
  private lastChar = 10;

  push(chunk: string): void {
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (this.heldCr) chunk = '\r' + chunk;
    this.heldCr = chunk.endsWith('\r');
    if (this.heldCr) chunk = chunk.slice(0, -1);
    if (chunk.indexOf('\r\n') >= 0) chunk = chunk.replace(/\r\n/g, '\n');
    if (!chunk) return;
    if (this.chars + chunk.length > MAX_TEXT_CHARS) {
      throw new DataError(this.file, this.lines + 1, `more than ${MAX_TEXT_CHARS.toLocaleString('en-US')} characters of plain text (the limit for text; files may be up to 1 GiB)`, 'train on a part of it: cut the file to its first 100 million characters');
    }
    for (let j = chunk.indexOf('\n'); j >= 0; j = chunk.indexOf('\n', j + 1)) this.lines++;
    this.lastChar = chunk.charCodeAt(chunk.length - 1);
    this.chars += chunk.length;
    this.parts.push(chunk);
  }

  get size(): number {
    return this.chars;
  }

  get lineCount(): number {
    return this.lines + (this.chars > 0 && this.lastChar !== 10 ? 1 : 0);
  }

  finish(): ParsedText {
    if (this.heldCr) {
      this.parts.push('\r');
      this.chars++;
      this.lastChar = 13;
      this.heldCr = false;
    }
    let text = this.parts.join('');
    this.parts = [];
    let lines = this.lineCount;
    const book = gutenberg(text);
    if (book) {
      this.notes.push(`a Project Gutenberg book: its licence and notes before line ${book.startLine} and after line ${book.endLine} left out (${book.dropped.toLocaleString('en')} characters), the book itself kept`);
      text = book.text;
      lines = book.endLine - book.startLine + 1;
    }
    return { kind: 'text', text, lines };
  }

  /** What was done to the text (a book's licence left out), for the person to read. */
  readonly notes: string[] = [];
}

/**
 * A Project Gutenberg book: the text between its "*** START OF THE PROJECT GUTENBERG EBOOK …" and "*** END OF …"
 * lines (the licence and the notes around it are not the book), or undefined when the text has no such lines.
 */
function gutenberg(text: string): { text: string; startLine: number; endLine: number; dropped: number } | undefined {
  const start = /^\*{3} ?START OF (THE|THIS) PROJECT GUTENBERG E(BOOK|TEXT)[^\n]*$/im.exec(text);
  if (!start) return undefined;
  const from = start.index + start[0].length + 1;
  const end = /^\*{3} ?END OF (THE|THIS) PROJECT GUTENBERG E(BOOK|TEXT)[^\n]*$/im.exec(text.slice(from));
  const to = end ? from + end.index : text.length;
  const book = `${text.slice(from, to).replace(/^\n+/, '').trimEnd()}\n`;
  if (book.trim() === '') return undefined;
  const lineAt = (i: number): number => {
    let n = 1;
    for (let j = text.indexOf('\n'); j >= 0 && j < i; j = text.indexOf('\n', j + 1)) n++;
    return n;
  };
  const first = text.indexOf(book.slice(0, 200), from);
  return { text: book, startLine: lineAt(first), endLine: lineAt(first + book.length - 1), dropped: text.length - book.length };
}

export function parseText(text: string): ParsedText {
  const b = new TextBuilder();
  b.push(text);
  return b.finish();
}
