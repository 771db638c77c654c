// Builds a spelling → phonemes pairs file (word⇥ARPAbet phonemes, as CMUdict writes them: "ajax	EY1 JH AE1 K S") from
// Festival's CMU lexicon (Debian's festlex-cmu: CMUDICT 0.4, free licence without commercial restrictions, see the
// package's copyright file), for measuring the encoder–decoder on a pronunciation task (docs/attention.md):
//   apt-get download festlex-cmu && dpkg -x festlex-cmu_*.deb /tmp/cmu
//   node tools/cmudict-pairs.mjs /tmp/cmu/usr/share/festival/dicts/cmu/cmudict-0.4.out --words 20000 --seed 1 > cmu-20k.tsv
// Festival writes ("word" pos (((syllable phones) stress) …)); each syllable's stress (0, 1, 2) goes on its vowel, and
// Festival's reduced vowel ax is CMUdict's AH0. Words with a part of speech listed twice keep their first
// pronunciation; words with characters other than a–z and an apostrophe are left out. A seeded shuffle picks --words
// of them, so the same seed gives the same file.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: o, positionals } = parseArgs({ allowPositionals: true, options: { words: { type: 'string', default: '20000' }, seed: { type: 'string', default: '1' } } });
if (positionals.length !== 1) {
  console.error('usage: node tools/cmudict-pairs.mjs PATH/cmudict-0.4.out [--words N] [--seed N] > pairs.tsv');
  process.exit(2);
}
const VOWELS = new Set(['aa', 'ae', 'ah', 'ao', 'aw', 'ax', 'ay', 'eh', 'er', 'ey', 'ih', 'iy', 'ow', 'oy', 'uh', 'uw']);
const entries = new Map();
for (const line of readFileSync(positionals[0], 'latin1').split('\n')) {
  const m = /^\("([^"]+)" \S+ \((.*)\)\)\s*$/.exec(line);
  if (!m || !/^[a-z']+$/.test(m[1]) || entries.has(m[1])) continue;
  const phones = [];
  for (const s of m[2].matchAll(/\(\(([^()]*)\) (\d)\)/g)) {
    for (const p of s[1].split(' ').filter(Boolean)) {
      const v = p === 'ax' ? 'ah' : p;
      phones.push(VOWELS.has(p) ? `${v.toUpperCase()}${p === 'ax' ? '0' : s[2]}` : v.toUpperCase());
    }
  }
  if (phones.length) entries.set(m[1], phones.join(' '));
}
// mulberry32: a small seeded generator, for a reproducible sample
let a = Number(o.seed) >>> 0;
const random = () => {
  a = (a + 0x6d2b79f5) >>> 0;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const words = [...entries.keys()];
for (let i = words.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [words[i], words[j]] = [words[j], words[i]];
}
const n = Math.min(Number(o.words), words.length);
process.stdout.write(words.slice(0, n).map((w) => `${w}\t${entries.get(w)}`).join('\n') + '\n');
console.error(`cmudict-pairs: ${n} of ${words.length} words`);
