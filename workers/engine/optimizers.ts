// Optimisers and the learning-rate schedule, picked by name from one registry.
// Each update runs as one kernel call over the whole flat parameter vector (params, grads and moments share the
// layout of layout.ts, so no per-tensor loop is needed).

import type { OptimizerName, TrainSettings } from '../../src-shared/model';
import type { WasmNetwork } from './network';

/** Updates parameters [lo, lo + n) (default: all of them). Element-wise, so slices update independently. */
export type OptimizerUpdate = (net: WasmNetwork, s: TrainSettings, step: number, lr: number, lo?: number, n?: number) => void;

const adamUpdate = (decoupled: boolean): OptimizerUpdate => (net, s, step, lr, lo = 0, n = net.layout.size) => {
  const { map } = net;
  const bc1 = 1 - Math.pow(s.beta1, step);
  const bc2 = 1 - Math.pow(s.beta2, step);
  const o = lo * 4;
  net.kernels.adam(map.PARAMS_OFFSET + o, map.GRADS_OFFSET + o, map.MOMENT1_OFFSET + o, map.MOMENT2_OFFSET + o, n, lr, s.beta1, s.beta2, 1 - s.beta1, 1 - s.beta2, s.epsilon, s.weightDecay, bc1, bc2, decoupled ? 1 : 0);
};

export const OPTIMIZER_UPDATES: Record<OptimizerName, OptimizerUpdate> = {
  sgd: (net, s, _step, lr, lo = 0, n = net.layout.size) =>
    net.kernels.sgd(net.map.PARAMS_OFFSET + lo * 4, net.map.GRADS_OFFSET + lo * 4, net.map.MOMENT1_OFFSET + lo * 4, n, lr, s.momentum, s.weightDecay),
  adam: adamUpdate(false),
  adamw: adamUpdate(true),
};

/** Learning rate at optimisation step `step` (1-based): linear warm-up, then constant, cosine or linear decay. */
export function learningRateAt(s: TrainSettings, step: number): number {
  if (s.warmupSteps > 0 && step <= s.warmupSteps) return (s.learningRate * step) / s.warmupSteps;
  if (s.decay === 'none') return s.learningRate;
  const span = Math.max(1, s.steps - s.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - s.warmupSteps) / span));
  const factor = s.decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return s.minLearningRate + (s.learningRate - s.minLearningRate) * factor;
}
