// Sequence-level metrics of encoder–decoder models, computed on greedy decodes of the validation pairs:
// exactMatch (the share of decodes equal to their reference) and tokenErrorRate (total edit distance over total
// reference length, as in word/character error rate).

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
