// Splits streamed text into lines (LF or CRLF; chunks may cut anywhere), with 1-based line numbers. Only \n ends a
// line: U+0085 (NEL) and U+2028 stay inside the line, as in the sentiment files that contain them.

import { DataError } from '../parsed';

export const MAX_LINE_CHARS = 1 << 22;

export class LineSplitter {
  private rest = '';
  private line = 0;
  private started = false;

  constructor(
    readonly file: string,
    private readonly onLine: (line: string, number: number) => void,
  ) {}

  push(chunk: string): void {
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let start = 0;
    let j = chunk.indexOf('\n');
    if (j < 0) {
      this.rest += chunk;
      if (this.rest.length > MAX_LINE_CHARS) this.tooLong();
      return;
    }
    if (this.rest) {
      const first = this.rest + chunk.slice(0, j);
      this.rest = '';
      this.emit(first);
      start = j + 1;
      j = chunk.indexOf('\n', start);
    }
    while (j >= 0) {
      this.emit(chunk.slice(start, j));
      start = j + 1;
      j = chunk.indexOf('\n', start);
    }
    this.rest = chunk.slice(start);
    if (this.rest.length > MAX_LINE_CHARS) this.tooLong();
  }

  end(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }

  private emit(l: string): void {
    this.line++;
    this.onLine(l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l, this.line);
  }

  private tooLong(): never {
    throw new DataError(this.file, this.line + 1, `a line longer than ${MAX_LINE_CHARS} characters`, 'this does not look like line-based text; check the format');
  }
}

/**
 * A format read line by line (blocks, CoNLL, labelled lines, pairs, .ts archives, ARFF): the streamed text's lines go
 * to `line` with their 1-based numbers; `endLines` passes on the last one (a file need not end with a newline).
 */
export abstract class LineBuilder {
  private readonly splitter: LineSplitter;

  constructor(readonly file: string) {
    this.splitter = new LineSplitter(file, (l, n) => this.line(l, n));
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  protected endLines(): void {
    this.splitter.end();
  }

  protected abstract line(l: string, n: number): void;
}
