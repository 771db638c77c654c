// A table of tokens, one a row, with a tag each and a column that says which sentence a row belongs to (the Kaggle /
// GMB "Annotated Corpus for NER": `Sentence #,Word,POS,Tag` with "Sentence: 1" on a sentence's first word only) →
// tagged sentences, as a CoNLL file would give. The sentence column is filled down where only its first row names it;
// the tags are the column whose values are BIO tags (O, B-geo, I-per …); the words the column named like words (else
// the first text column). Other columns (POS) are left out, said.

import { shareOfValues } from '../analyse';
import type { Column, ParsedTable, ParsedTagged } from '../parsed';

const BIO = /^(O|[BIESL]-\S+)$/;
const SENTENCE_NAME = /^(sentence|sent|sentence[ _]?(#|id|no|num|number|idx)|sent[ _]?id|sentence_idx)$/i;
const WORD_NAME = /^(word|words|token|tokens|form|text)$/i;

/** The share of a column's first 2,000 present values that pass `test`. */
const share = (c: Column, test: (v: string) => boolean): number => shareOfValues(c, test, 2000);

export function taggedRows(t: ParsedTable): { parsed: ParsedTagged; note: string } | undefined {
  if (!t.header || t.rows < 10) return undefined;
  const strings = t.columns.filter((c) => c.strings);
  const tag = strings.find((c) => c.missing === 0 && share(c, (v) => BIO.test(v)) >= 0.98 && share(c, (v) => v !== 'O') > 0);
  if (!tag) return undefined;
  const sentence = t.columns.find((c) => c !== tag && SENTENCE_NAME.test(c.name.trim()));
  if (!sentence) return undefined;
  const word = strings.find((c) => c !== tag && c !== sentence && WORD_NAME.test(c.name.trim())) ?? strings.find((c) => c !== tag && c !== sentence && c.type === 'text');
  if (!word) return undefined;
  // the sentence of each row: its own value, or the last one above it (filled down)
  const key = (r: number): string => (sentence.strings ? sentence.strings[r] : Number.isNaN(sentence.numbers![r]) ? '' : String(sentence.numbers![r]));
  if (key(0) === '') return undefined;
  const sentences: ParsedTagged['sentences'] = [];
  let current = '';
  let filled = 0;
  for (let r = 0; r < t.rows; r++) {
    const k = key(r);
    if (k === '') filled++;
    if (r === 0 || (k !== '' && k !== current)) {
      current = k;
      sentences.push({ tokens: [], tags: [], line: t.lineOfRow[r] });
    }
    const s = sentences[sentences.length - 1];
    s.tokens.push(word.strings![r]);
    s.tags.push(tag.strings![r]);
  }
  if (sentences.length < 2 || sentences.length > t.rows / 2) return undefined;
  const counts = new Map<string, number>();
  for (const s of sentences) for (const x of s.tags) counts.set(x, (counts.get(x) ?? 0) + 1);
  const others = t.columns.filter((c) => c !== tag && c !== sentence && c !== word).map((c) => `"${c.name}"`);
  return {
    parsed: { kind: 'tagged', sentences, tags: [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)) },
    note: `a token a row: ${sentences.length.toLocaleString('en')} sentences ("${sentence.name}"${filled ? ', named on their first word and filled down' : ''}) of "${word.name}" tagged by "${tag.name}"${others.length ? `; ${others.join(', ')} left out` : ''}`,
  };
}
