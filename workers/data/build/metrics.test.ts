// The sequence metrics: edit distance, exact match, token error rate, and BLEU / chrF checked against sacreBLEU's own
// test vectors (mjpost/sacrebleu test/test_bleu.py and test/test_chrf.py, sacreBLEU 2.x) and, where /usr/bin/python3
// can import sacrebleu, against sacreBLEU itself on random corpora.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng';
import { bleuFromStats, bleuStats, corpusBleu, corpusChrf, editDistance, exactMatch, stripEos, tokenErrorRate, tokenize13a } from './metrics';

describe('sequence metrics', () => {
  it('edit distance counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(editDistance(Int32Array.of(1, 2, 3), Int32Array.of(2, 3))).toBe(1);
  });

  it('exact match is the share of identical decodes', () => {
    expect(exactMatch([[1, 2], [3], []], [[1, 2], [3, 4], []])).toBeCloseTo(2 / 3, 12);
    expect(exactMatch([], [])).toBe(0);
    expect(() => exactMatch([[1]], [])).toThrow(/1 hypotheses for 0/);
  });

  it('token error rate is total edits over total reference length', () => {
    // edits: 1 (substitution) + 2 (two deletions) = 3; reference tokens 4 + 2 = 6
    expect(tokenErrorRate([[1, 9, 3, 4], []], [[1, 2, 3, 4], [5, 6]])).toBeCloseTo(0.5, 12);
    expect(tokenErrorRate([[1, 2]], [[1, 2]])).toBe(0);
    expect(tokenErrorRate([[1]], [[]])).toBe(1);
  });

  it('a decode ends at eos', () => {
    expect(stripEos([5, 6, 1, 7], 1)).toEqual([5, 6]);
    expect(stripEos([5, 6], 1)).toEqual([5, 6]);
  });
});

// sacreBLEU's README example (test_bleu.py: test_corpus_bleu_cases): three hypotheses, two reference streams.
const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REF_STREAMS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const REFS = HYPS.map((_, i) => REF_STREAMS.map((s) => s[i]));

describe('BLEU as sacreBLEU computes it (test/test_bleu.py)', () => {
  it('13a tokenisation splits punctuation, keeps decimals and apostrophes as mteval-v13a does (outputs as sacreBLEU 2.6.0 gives them)', () => {
    expect(tokenize13a("It wasn't surprising.")).toEqual(['It', "wasn't", 'surprising', '.']); // the apostrophe (0x27) is outside 13a's symbol ranges
    expect(tokenize13a('Pi is 3.14, or 3,14 - roughly; (cf. x/y) &amp; 1-2')).toEqual(['Pi', 'is', '3.14', ',', 'or', '3,14', '-', 'roughly', ';', '(', 'cf', '.', 'x', '/', 'y', ')', '&', '1', '-', '2']);
    expect(tokenize13a('  ')).toEqual([]);
  });

  it('corpus BLEU of the README example: 48.530827 (default: 13a, exp smoothing; and with smoothing none)', () => {
    expect(Math.abs(corpusBleu(HYPS, REFS) - 48.530827)).toBeLessThan(1e-6);
    expect(Math.abs(bleuFromStats(bleuStats(HYPS, REFS), 'none') - 48.530827)).toBeLessThan(1e-6);
    // empty hypotheses are scored, not dropped
    expect(corpusBleu(['', '', ''], REFS)).toBe(0);
  });

  it('statistics: "am I am a character sequence" vs "I am a symbol string sequence a a" (test_case_statistics)', () => {
    const s = bleuStats(['am I am a character sequence'], ['I am a symbol string sequence a a']);
    expect(s.correct).toEqual([4, 2, 1, 0]);
    expect(s.total).toEqual([6, 5, 4, 3]);
  });

  it('scoring from statistics: correct [9,7,5,3], total [10,8,6,4], lengths 11/11 → 83.75922397 (test_case_scoring)', () => {
    expect(Math.abs(bleuFromStats({ hypLength: 11, refLength: 11, correct: [9, 7, 5, 3], total: [10, 8, 6, 4] }) - 83.75922397)).toBeLessThan(1e-6);
  });

  it('a perfect corpus scores 100, a short one pays the brevity penalty exp(1 − r/c)', () => {
    expect(corpusBleu(['a b c d e'], ['a b c d e'])).toBeCloseTo(100, 10);
    // 4 of 5 reference tokens, all n-grams right: BP = exp(1 − 5/4)
    expect(corpusBleu(['a b c d'], ['a b c d e'])).toBeCloseTo(100 * Math.exp(1 - 5 / 4), 10);
    expect(() => corpusBleu(['a'], [])).toThrow(/1 hypotheses for 0/);
  });
});

describe('chrF as sacreBLEU computes it (test/test_chrf.py)', () => {
  // test_cases_effective_order: sacreBLEU's default smoothing (no ε), β = 3 in those vectors
  const effective: [string[], string[], number][] = [
    [['a'], ['a'], 100],
    [[''], ['reference'], 0],
    [['a b c'], ['a b c'], 100],
    [['a b c'], ['abc'], 100],
    [[''], ['c'], 0],
    [['a', 'b'], ['a', 'c'], 50],
    [['aa'], ['ab'], 25],
  ];
  for (const [h, r, want] of effective)
    it(`${JSON.stringify(h)} vs ${JSON.stringify(r)} → ${want} (β = 3)`, () => {
      expect(Math.abs(corpusChrf(h, r, { beta: 3 }) - want)).toBeLessThan(1e-4);
    });

  it('whitespace kept (test_cases_keep_whitespace, β = 3): 67.3481606 and 65.2414427', () => {
    const opts = { beta: 3, whitespace: true };
    expect(Math.abs(corpusChrf(['Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.'], ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'], opts) - 67.3481606)).toBeLessThan(1e-4);
    expect(
      Math.abs(
        corpusChrf(
          ['risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .'],
          ['risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .'],
          opts,
        ) - 65.2414427,
      ),
    ).toBeLessThan(1e-4);
  });

  it('the default is β = 2: identical text scores 100, disjoint 0, and recall weighs more than precision', () => {
    expect(corpusChrf(['Niemand hat die Absicht'], ['Niemand hat die Absicht'])).toBeCloseTo(100, 10);
    expect(corpusChrf(['xyz'], ['abc'])).toBe(0);
    // half the reference, all of it right (recall ½, precision 1) scores less than all of it with as much extra
    expect(corpusChrf(['abcdef'], ['abcdefghijkl'])).toBeLessThan(corpusChrf(['abcdefghijklmnopqrstuvwx'], ['abcdefghijkl']));
  });
});

// sacreBLEU itself, where Debian's python can import it (pip's `sacrebleu` into /usr/bin/python3): random corpora
// with punctuation, numbers, apostrophes, accents and repeated words, scored by both.
const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import sacrebleu; print(sacrebleu.__version__)'], { encoding: 'utf8' });
const sacrebleuVersion = probe.status === 0 ? probe.stdout.trim() : '';
if (!sacrebleuVersion) console.log(`[metrics] sacreBLEU comparison skipped: ${PYTHON} cannot import sacrebleu (pip install sacrebleu into it to run it)`);

describe('against sacreBLEU itself', () => {
  it.skipIf(!sacrebleuVersion)(`corpus BLEU and chrF equal sacreBLEU ${sacrebleuVersion || '(missing)'}'s on 40 random corpora`, () => {
    const rng = new Rng(15);
    const words = ['the', 'cat', 'sat', 'on', 'mat', "l'homme", 'est', 'là', 'café', '3.14', '1,000', 'a-b', '(x)', 'x/y', 'ok.', 'yes,', 'no!', '"q"', '&amp;', 'Zoë', 'naïve', '12-3', 'end.'];
    const sentence = (): string => Array.from({ length: rng.int(12) }, () => words[rng.int(words.length)]).join(rng.int(8) === 0 ? '  ' : ' ');
    const corpora = Array.from({ length: 40 }, () => {
      const n = 1 + rng.int(12);
      const hyps = Array.from({ length: n }, sentence);
      const refs = hyps.map((h) => (rng.int(3) === 0 ? h : sentence()));
      return { hyps, refs };
    });
    const script = `
import json, sys, sacrebleu
out = []
for c in json.load(sys.stdin):
    out.append([sacrebleu.corpus_bleu(c['hyps'], [c['refs']]).score, sacrebleu.corpus_chrf(c['hyps'], [c['refs']]).score])
print(json.dumps(out))`;
    const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(corpora), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as [number, number][];
    let worst = 0;
    corpora.forEach((c, i) => {
      const bleu = corpusBleu(c.hyps, c.refs);
      const chrf = corpusChrf(c.hyps, c.refs);
      worst = Math.max(worst, Math.abs(bleu - theirs[i][0]), Math.abs(chrf - theirs[i][1]));
      expect(bleu, `corpus ${i} BLEU`).toBeCloseTo(theirs[i][0], 9);
      expect(chrf, `corpus ${i} chrF`).toBeCloseTo(theirs[i][1], 9);
    });
    console.log(`[metrics] BLEU and chrF vs sacreBLEU ${sacrebleuVersion} on ${corpora.length} random corpora: max |diff| ${worst.toExponential(2)}`);
  });
});
