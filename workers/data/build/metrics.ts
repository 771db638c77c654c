// Sequence-level metrics of encoder–decoder models, computed on decodes of the validation pairs: exactMatch (the
// share of decodes equal to their reference), tokenErrorRate (total edit distance over total reference length, as in
// word/character error rate), and for text, corpus BLEU and chrF exactly as sacreBLEU computes them by default.

/** Levenshtein distance (insertions, deletions, substitutions cost 1) between two token sequences. */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const sub = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m];
}

function sameLength(hypotheses: unknown[], references: unknown[]): void {
  if (hypotheses.length !== references.length) throw new Error(`${hypotheses.length} hypotheses for ${references.length} references`);
}

/** Share of hypotheses identical to their reference (0 when there are none). */
export function exactMatch<T>(hypotheses: ArrayLike<T>[], references: ArrayLike<T>[]): number {
  sameLength(hypotheses, references);
  if (references.length === 0) return 0;
  let same = 0;
  for (let i = 0; i < references.length; i++) {
    const h = hypotheses[i];
    const r = references[i];
    if (h.length === r.length && Array.prototype.every.call(r, (v: T, j: number) => h[j] === v)) same++;
  }
  return same / references.length;
}

/** Σ editDistance(hypothesis, reference) / Σ |reference| (can exceed 1; 0 when every reference is empty and matched). */
export function tokenErrorRate<T>(hypotheses: ArrayLike<T>[], references: ArrayLike<T>[]): number {
  sameLength(hypotheses, references);
  let edits = 0;
  let length = 0;
  for (let i = 0; i < references.length; i++) {
    edits += editDistance(hypotheses[i], references[i]);
    length += references[i].length;
  }
  return length ? edits / length : edits > 0 ? 1 : 0;
}

/** A decode stops at eos: the tokens before it (the whole output when eos never came). */
export function stripEos(ids: ArrayLike<number>, eos: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length && ids[i] !== eos; i++) out.push(ids[i]);
  return out;
}

// ============================================== BLEU and chrF =====================================================
// Both as sacreBLEU 2.x computes them by default (mjpost/sacrebleu: metrics/bleu.py, metrics/chrf.py,
// tokenizers/tokenizer_13a.py), on detokenised text, scored 0–100:
// - BLEU: 13a tokenisation (mteval-v13a), n-grams up to N = 4 clipped by the most a reference has, brevity penalty
//   BP = exp(1 − r/c) when c < r (c hypothesis tokens, r the closest reference length, the shorter on a tie), and
//   smoothing 'exp' (mteval's: the k-th order with no match counts as 1 / (2^k · total)). BLEU = BP · exp(Σ log pₙ / N).
// - chrF: character n-grams n = 1…6 of the text with its whitespace removed, no word n-grams, β = 2; statistics
//   summed over the corpus, precision and recall averaged over the orders both sides have, F_β of the averages.

/** Python's str.split() whitespace (sacreBLEU splits with it), which differs from JavaScript's \s in a few characters. */
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const pySplit = (s: string): string[] => s.split(PY_SPACE).filter((w) => w !== '');

/** sacreBLEU's 13a tokeniser (mteval-v13a): symbols and punctuation apart, periods and commas except in numbers. */
export function tokenize13a(line: string): string[] {
  let s = line.replace(/<skipped>/g, '').replace(/-\n/g, '').replace(/\n/g, ' ');
  if (s.includes('&')) s = s.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  s = ` ${s} `
    .replace(/([{-~[-` -&(-+:-@\/])/g, ' $1 ')
    .replace(/([^0-9])([.,])/g, '$1 $2 ')
    .replace(/([.,])([^0-9])/g, ' $1 $2')
    .replace(/([0-9])(-)/g, '$1 $2 ');
  return pySplit(s);
}

/** One hypothesis's reference, or several alternatives. */
export type References = string | readonly string[];
const alternatives = (r: References): readonly string[] => (typeof r === 'string' ? [r] : r);

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number>[] {
  const counts: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const g = tokens.slice(i, i + n).join('\u0001');
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    counts.push(m);
  }
  return counts;
}

/** BLEU's sufficient statistics: hypothesis and reference lengths, matches and totals per order (1…N). */
export interface BleuStats {
  hypLength: number;
  refLength: number;
  correct: number[];
  total: number[];
}

/** Sums the statistics of every segment (13a-tokenised, references with trailing space trimmed as sacreBLEU does). */
export function bleuStats(hypotheses: readonly string[], references: readonly References[], maxOrder = 4): BleuStats {
  sameLength(hypotheses as unknown[], references as unknown[]);
  const s: BleuStats = { hypLength: 0, refLength: 0, correct: new Array(maxOrder).fill(0), total: new Array(maxOrder).fill(0) };
  for (let i = 0; i < hypotheses.length; i++) {
    const refs = alternatives(references[i]).map((r) => tokenize13a(r.trimEnd()));
    if (refs.length === 0) throw new Error(`hypothesis ${i + 1} has no reference`);
    // the most each n-gram occurs in any one reference (clipping), and the reference length closest to the hypothesis
    const most = ngramCounts(refs[0], maxOrder);
    for (const r of refs.slice(1)) ngramCounts(r, maxOrder).forEach((m, n) => m.forEach((c, g) => most[n].set(g, Math.max(most[n].get(g) ?? 0, c))));
    const hyp = tokenize13a(hypotheses[i].trimEnd());
    let closest = -1;
    for (const r of refs) {
      const d = Math.abs(hyp.length - r.length);
      if (closest < 0 || d < Math.abs(hyp.length - closest) || (d === Math.abs(hyp.length - closest) && r.length < closest)) closest = r.length;
    }
    s.hypLength += hyp.length;
    s.refLength += closest;
    ngramCounts(hyp, maxOrder).forEach((m, n) =>
      m.forEach((c, g) => {
        s.total[n] += c;
        s.correct[n] += Math.min(c, most[n].get(g) ?? 0);
      }),
    );
  }
  return s;
}

/** BLEU (0–100) from its statistics, with sacreBLEU's default smoothing 'exp' (or none). */
export function bleuFromStats(s: BleuStats, smooth: 'exp' | 'none' = 'exp'): number {
  const N = s.correct.length;
  const bp = s.hypLength < s.refLength ? (s.hypLength > 0 ? Math.exp(1 - s.refLength / s.hypLength) : 0) : 1;
  if (!s.correct.some((c) => c > 0)) return 0;
  const p = new Array<number>(N).fill(0); // pₙ in percent, as sacreBLEU keeps them
  let mteval = 1;
  for (let n = 0; n < N; n++) {
    if (s.total[n] === 0) break;
    if (s.correct[n] === 0) {
      if (smooth === 'exp') {
        mteval *= 2;
        p[n] = 100 / (mteval * s.total[n]);
      }
    } else p[n] = (100 * s.correct[n]) / s.total[n];
  }
  // sacreBLEU floors log 0 at −9999999999 (a zero precision makes BLEU 0)
  const logSum = p.reduce((a, x) => a + (x === 0 ? -9999999999 : Math.log(x)), 0);
  return bp * Math.exp(logSum / N);
}

/** Corpus BLEU (0–100) as sacreBLEU's default `corpus_bleu` (13a, N = 4, smoothing 'exp'). */
export function corpusBleu(hypotheses: readonly string[], references: readonly References[]): number {
  return bleuFromStats(bleuStats(hypotheses, references));
}

export interface ChrfOptions {
  /** Character n-gram order (sacreBLEU: 6). */
  order?: number;
  /** Recall weighs β times precision (sacreBLEU: 2). */
  beta?: number;
  /** Keep whitespace in the character n-grams (sacreBLEU: removed). */
  whitespace?: boolean;
}

/** [hyp n-grams, ref n-grams, matches] for each order n = 1…order. */
function chrfSegment(hyp: string, ref: string, order: number, whitespace: boolean): number[] {
  const chars = (s: string): string[] => Array.from(whitespace ? s : pySplit(s).join(''));
  const h = ngramCounts(chars(hyp), order);
  const r = ngramCounts(chars(ref), order);
  const stats: number[] = [];
  for (let n = 0; n < order; n++) {
    let hypCount = 0;
    let match = 0;
    h[n].forEach((c, g) => {
      hypCount += c;
      match += Math.min(c, r[n].get(g) ?? 0);
    });
    let refCount = 0;
    r[n].forEach((c) => (refCount += c));
    // sacreBLEU counts no hypothesis n-grams of an order the reference has none of
    stats.push(r[n].size ? hypCount : 0, refCount, match);
  }
  return stats;
}

/** F_β (0–100) of precision and recall averaged over the orders both sides have (sacreBLEU's default, no ε smoothing). */
function chrfScore(stats: readonly number[], order: number, beta: number): number {
  const f = beta * beta;
  let precision = 0;
  let recall = 0;
  let effective = 0;
  for (let n = 0; n < order; n++) {
    const [hyp, ref, match] = stats.slice(3 * n, 3 * n + 3);
    if (hyp > 0 && ref > 0) {
      precision += match / hyp;
      recall += match / ref;
      effective++;
    }
  }
  if (effective === 0) return 0;
  precision /= effective;
  recall /= effective;
  return precision + recall > 0 ? (100 * (1 + f) * precision * recall) / (f * precision + recall) : 0;
}

/** Corpus chrF (0–100) as sacreBLEU's default `corpus_chrf` (character order 6, word order 0, β = 2). */
export function corpusChrf(hypotheses: readonly string[], references: readonly References[], opts: ChrfOptions = {}): number {
  sameLength(hypotheses as unknown[], references as unknown[]);
  const order = opts.order ?? 6;
  const beta = opts.beta ?? 2;
  const whitespace = opts.whitespace ?? false;
  const total = new Array<number>(3 * order).fill(0);
  hypotheses.forEach((hyp, i) => {
    // several references: the one with the best sentence score counts (the first on a tie)
    let best: number[] = [];
    let bestScore = -1;
    for (const ref of alternatives(references[i])) {
      const s = chrfSegment(hyp, ref, order, whitespace);
      const score = chrfScore(s, order, beta);
      if (score > bestScore) [best, bestScore] = [s, score];
    }
    best.forEach((v, k) => (total[k] += v));
  });
  return chrfScore(total, order, beta);
}
