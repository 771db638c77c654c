// Which settings mattered, on objectives whose answer is known: a setting the objective ignores explains almost
// nothing, the one it depends on explains most, a choice's effect is found; failed trials are left out.

import { describe, expect, it } from 'vitest';
import { importance } from './importance';
import { suggest, type Observation } from './search';
import { parseSpace } from './space';

describe('importance', () => {
  const space = parseSpace('lr=1e-4..1e-1:log hidden=8..256 cell=lstm,gru');
  const observe = (f: (p: Observation['params']) => number): Observation[] =>
    Array.from({ length: 90 }, (_, i) => {
      const params = suggest('random', space, i, 3, [])!;
      return { params, objective: f(params) };
    });

  it('finds the setting the objective depends on, and not the ones it ignores', () => {
    const r = importance(space, observe((p) => (Math.log10(p.learningRate as number) + 2.5) ** 2));
    expect(r[0].key).toBe('learningRate');
    expect(r[0].share).toBeGreaterThan(0.6);
    for (const x of r.slice(1)) expect(x.share).toBeLessThan(0.1);
  });

  it('finds a choice’s effect', () => {
    const r = importance(space, observe((p) => (p.cell === 'gru' ? 0 : 1) + (p.hiddenSize as number) / 2560));
    expect(r[0].key).toBe('cell');
    expect(r[0].share).toBeGreaterThan(0.8);
  });

  it('leaves failed trials out, and says nothing of fewer than 6 trials', () => {
    const obs = observe((p) => (p.cell === 'gru' ? 0 : 1));
    obs[0] = { ...obs[0], objective: Infinity };
    const r = importance(space, obs);
    expect(r[0].key).toBe('cell');
    expect(r[0].share).toBeCloseTo(1, 9);
    expect(importance(space, obs.slice(1, 6))).toEqual([]); // 5 trials: too few to say
    expect(importance(space, obs.slice(1, 7)).length).toBe(3);
  });
});
