// Plain text → ParsedText: the text itself (the one copy kept), CRLF normalised to LF, a BOM dropped. At most
// MAX_TEXT_CHARS characters: a longer text is refused while it streams in (never built whole).

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
    const text = this.parts.join('');
    this.parts = [];
    return { kind: 'text', text, lines: this.lineCount };
  }
}

export function parseText(text: string): ParsedText {
  const b = new TextBuilder();
  b.push(text);
  return b.finish();
}
