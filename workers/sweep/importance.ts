// Which settings of a sweep mattered: for each parameter of the space, the share of the variance of the trials'
// objective that its main effect explains — the trials grouped by the parameter's value (a choice's values; a
// number's range cut into up to `maxBins` groups of equal count, in rank order, so log ranges need no special case), and the
// between-group variance of the group means over the total variance. A simple first-order reading in the spirit of
// fANOVA (Hutter, Hoos & Leyton-Brown 2014), without its random forest: it needs no model, and says nothing of
// interactions. Trials without a finite objective (failed) are left out; fewer than 6 trials say nothing. Plain
// TypeScript.

import type { SearchSpace, SettingValue } from './space';
import type { Observation } from './search';

export interface Importance {
  key: SearchSpace[number]['key'];
  /** Share of the objective's variance explained by this setting alone, 0 to 1. */
  share: number;
}

/** Fewer trials than this say nothing: with one or two a group, every setting would seem to explain it all. */
export const MIN_TRIALS_FOR_IMPORTANCE = 6;

export function importance(space: SearchSpace, observed: readonly Observation[], maxBins = 3): Importance[] {
  const done = observed.filter((o) => Number.isFinite(o.objective) && space.every((p) => o.params[p.key] !== undefined));
  if (done.length < MIN_TRIALS_FOR_IMPORTANCE) return [];
  const bins = Math.max(2, Math.min(maxBins, Math.floor(done.length / 2))); // at least 2 trials a group on average
  const mean = done.reduce((a, o) => a + o.objective, 0) / done.length;
  const total = done.reduce((a, o) => a + (o.objective - mean) ** 2, 0) / done.length;
  const out: Importance[] = space.map((p) => {
    const groups = new Map<string, number[]>();
    if (p.kind === 'choice') {
      for (const o of done) {
        const k = String(o.params[p.key] as SettingValue);
        (groups.get(k) ?? groups.set(k, []).get(k)!).push(o.objective);
      }
    } else {
      // equal-count groups by rank (ties kept together)
      const sorted = [...done].sort((a, b) => (a.params[p.key] as number) - (b.params[p.key] as number));
      let g = 0;
      sorted.forEach((o, i) => {
        const v = o.params[p.key] as number;
        const prev = i > 0 ? (sorted[i - 1].params[p.key] as number) : undefined;
        if (i > 0 && v !== prev && Math.floor((i * bins) / sorted.length) > g) g = Math.floor((i * bins) / sorted.length);
        (groups.get(String(g)) ?? groups.set(String(g), []).get(String(g))!).push(o.objective);
      });
    }
    let between = 0;
    for (const values of groups.values()) {
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      between += (values.length / done.length) * (m - mean) ** 2;
    }
    // (the between-group variance is at most the total; summed in floating point it can pass it by an ulp)
    return { key: p.key, share: total > 0 ? Math.min(1, between / total) : 0 };
  });
  return out.sort((a, b) => b.share - a.share);
}
