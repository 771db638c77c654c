// Line-based formats: CoNLL, pairs, plain text.
import { describe, expect, it } from 'vitest';
import { DataError } from '../parsed';
import { ConllBuilder, parseConll } from './conll';
import { parsePairs } from './pairs';
import { parseText, TextBuilder } from './text';

describe('CoNLL', () => {
  it('splits sentences at blank, whitespace-only and -DOCSTART- lines; token first, tag last', () => {
    const p = parseConll('-DOCSTART- -X- O O\n\nEU NNP B-ORG\nrejects VBZ O\n\t\n@paul\tO\n#\tO\n \nLondon\tB-loc\n');
    expect(p.sentences.map((s) => [s.tokens, s.tags, s.line])).toEqual([
      [['EU', 'rejects'], ['B-ORG', 'O'], 3],
      [['@paul', '#'], ['O', 'O'], 6],
      [['London'], ['B-loc'], 9],
    ]);
    expect(p.tags[0]).toEqual({ value: 'O', count: 3 });
  });

  it('same result whatever the chunking; CRLF', () => {
    const text = 'a\tX\r\nb\tY\r\n\r\nc\tX\r\n';
    const whole = parseConll(text);
    const b = new ConllBuilder('t');
    for (const ch of text) b.push(ch);
    expect(b.finish()).toEqual(whole);
    expect(whole.sentences[1].line).toBe(4);
  });

  it('CoNLL-U: the word (FORM) tagged with its universal part of speech (UPOS); multiword tokens and empty nodes add no word', () => {
    const u = (id: string, form: string, upos: string) => [id, form, form.toLowerCase(), upos, '_', '_', '0', 'root', '_', '_'].join('\t');
    const text = ['# sent_id = 1', '# text = Don\'t stop.', u('1-2', "Don't", '_'), u('1', 'Do', 'AUX'), u('2', "n't", 'PART'), u('3', 'stop', 'VERB'), u('3.1', 'it', 'PRON'), u('4', '.', 'PUNCT'), ''].join('\n');
    const b = new ConllBuilder('en_ewt-ud-train.conllu');
    b.push(text);
    const p = b.finish();
    expect(p.sentences).toEqual([{ tokens: ['Do', "n't", 'stop', '.'], tags: ['AUX', 'PART', 'VERB', 'PUNCT'], line: 4 }]);
    expect(b.universal).toBe(4);
    expect(b.untagged).toBe(0);
  });

  it('a line without a tag is a DataError with its line', () => {
    try {
      parseConll('a\tX\nlonely\n');
      expect.unreachable();
    } catch (e) {
      expect((e as DataError).line).toBe(2);
    }
    expect(() => parseConll('\n\n')).toThrow(/no tagged tokens/);
  });
});

describe('pairs', () => {
  it('source⇥target per line, extra columns ignored and counted, blank lines skipped', () => {
    const p = parsePairs('Go.\tVa !\tCC-BY 2.0\n\nHi.\tSalut !\n');
    expect(p.pairs).toEqual([
      { source: 'Go.', target: 'Va !', line: 1 },
      { source: 'Hi.', target: 'Salut !', line: 3 },
    ]);
    expect(p.extraColumns).toBe(1);
  });
  it('a line without a TAB or with an empty side is a DataError', () => {
    expect(() => parsePairs('a\tb\nno tab here\n')).toThrow(/:2: .*no TAB/);
    expect(() => parsePairs('a\t\n')).toThrow(/target is empty/);
  });
});

describe('plain text', () => {
  it('keeps the text, drops a BOM, normalises CRLF (even split across chunks), counts lines', () => {
    expect(parseText('\uFEFFab\r\ncd')).toEqual({ kind: 'text', text: 'ab\ncd', lines: 2 });
    const b = new TextBuilder();
    b.push('ab\r');
    b.push('\ncd\n');
    expect(b.finish()).toEqual({ kind: 'text', text: 'ab\ncd\n', lines: 2 });
    const c = new TextBuilder();
    c.push('x\r');
    expect(c.finish().text).toBe('x\r');
  });
});
