// Optimiser kernels against plain-TypeScript updates, and the learning-rate schedule.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS, type ModelSpec } from '../../src-shared/model';
import { loadKernels, sourceTreeBinaries } from './kernels';
import { WasmNetwork } from './network';
import { learningRateAt, OPTIMIZER_UPDATES } from './optimizers';
import { Rng } from './rng';

const spec: ModelSpec = {
  shape: 'many-to-one',
  input: { vocabSize: 0, embedSize: 0, featureSize: 3 },
  stack: { cell: 'rnn', layers: 1, hiddenSize: 5, bidirectional: false },
  output: { kind: 'values', size: 1 },
  dropout: 0,
  forgetBias: 0,
};

function setup() {
  const net = new WasmNetwork(loadKernels(sourceTreeBinaries(), 'simd').exports, spec);
  const rng = new Rng(4);
  const n = net.layout.size;
  const p = Float32Array.from({ length: n }, () => rng.normal());
  const g = Float32Array.from({ length: n }, () => rng.normal());
  net.setParams(p);
  net.moment1.fill(0);
  net.moment2.fill(0);
  return { net, p: Float64Array.from(p), g, n };
}

describe('optimisers', () => {
  for (const name of ['adam', 'adamw'] as const) {
    it(`${name} matches the textbook update over 3 steps`, () => {
      const { net, p, g, n } = setup();
      const s = { ...DEFAULT_TRAIN_SETTINGS, optimizer: name, weightDecay: 0.1 };
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      for (let step = 1; step <= 3; step++) {
        net.grads.set(g);
        OPTIMIZER_UPDATES[name](net, s, step, 0.01);
        for (let i = 0; i < n; i++) {
          const gi = g[i] + (name === 'adam' ? s.weightDecay * p[i] : 0);
          m[i] = s.beta1 * m[i] + (1 - s.beta1) * gi;
          v[i] = s.beta2 * v[i] + (1 - s.beta2) * gi * gi;
          if (name === 'adamw') p[i] *= 1 - 0.01 * s.weightDecay;
          p[i] -= (0.01 * (m[i] / (1 - s.beta1 ** step))) / (Math.sqrt(v[i] / (1 - s.beta2 ** step)) + s.epsilon);
        }
      }
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(net.params[i] - p[i]));
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('sgd with momentum matches PyTorch’s form (buf = μ·buf + g; p −= lr·buf)', () => {
    const { net, p, g, n } = setup();
    const s = { ...DEFAULT_TRAIN_SETTINGS, optimizer: 'sgd' as const, momentum: 0.9, weightDecay: 0 };
    const buf = new Float64Array(n);
    for (let step = 1; step <= 3; step++) {
      net.grads.set(g);
      OPTIMIZER_UPDATES.sgd(net, s, step, 0.1);
      for (let i = 0; i < n; i++) {
        buf[i] = 0.9 * buf[i] + g[i];
        p[i] -= 0.1 * buf[i];
      }
    }
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(net.params[i] - p[i]));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('learning-rate schedule', () => {
  const base = { ...DEFAULT_TRAIN_SETTINGS, learningRate: 1, minLearningRate: 0.1, steps: 110, warmupSteps: 10 };
  it('warms up linearly, then holds', () => {
    expect(learningRateAt({ ...base, decay: 'none' }, 1)).toBeCloseTo(0.1);
    expect(learningRateAt({ ...base, decay: 'none' }, 5)).toBeCloseTo(0.5);
    expect(learningRateAt({ ...base, decay: 'none' }, 10)).toBeCloseTo(1);
    expect(learningRateAt({ ...base, decay: 'none' }, 100)).toBe(1);
  });
  it('decays by cosine or linearly to the minimum at the last step', () => {
    expect(learningRateAt({ ...base, decay: 'cosine' }, 60)).toBeCloseTo(0.55);
    expect(learningRateAt({ ...base, decay: 'cosine' }, 110)).toBeCloseTo(0.1);
    expect(learningRateAt({ ...base, decay: 'linear' }, 60)).toBeCloseTo(0.55);
    expect(learningRateAt({ ...base, decay: 'linear' }, 110)).toBeCloseTo(0.1);
  });
});
