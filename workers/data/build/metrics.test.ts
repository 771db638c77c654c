import { describe, expect, it } from 'vitest';
import { editDistance, exactMatch, stripEos, tokenErrorRate } from './metrics';

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
