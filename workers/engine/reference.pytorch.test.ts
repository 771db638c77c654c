// The float64 reference against PyTorch (fixtures from tools/make_fixtures.py): the fixture's layout equals ours,
// and from the same parameters the reference reproduces PyTorch's outputs, loss and every gradient tensor — to float32
// precision against PyTorch's float32 run, to float64 precision against its float64 run — and a plain float64 Adam
// loop written here reproduces torch.optim.Adam's 20-step loss curve.

import { afterAll, describe, expect, it } from 'vitest';
import type { Batch } from './batch';
import { listFixtures, loadFixture, type Fixture } from './fixtures';
import { buildLayout, type ParamLayout } from './layout';
import { referenceForward } from './reference';

// PyTorch's float32 run carries ~1e-7 relative rounding per operation over a few dozen operations: differences are
// held to 1e-5 relative to max(1, |value|) (absolute for values below 1). Its float64 run agrees to round-off: 1e-12.
const TOL32 = 1e-5;
const TOL64 = 1e-12;
// Adam amplifies float32 noise in near-zero gradients (m/√v is a ratio of two tiny numbers) over 20 steps: 1e-4 on
// losses and parameters (measured ≈ 1e-6).
const TOL_ADAM_LOSS = 1e-4;

const diff = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));

const summary = { fixtures: 0, out32: 0, loss32: 0, grad32: 0, out64: 0, loss64: 0, grad64: 0, adamLoss: 0, adamParam: 0 };
afterAll(() => {
  const e = (x: number) => x.toExponential(2);
  console.log(
    `[reference vs PyTorch] ${summary.fixtures} fixtures; max diff vs float32 torch: outputs ${e(summary.out32)}, loss ${e(summary.loss32)}, grads ${e(summary.grad32)}; ` +
      `vs float64 torch: outputs ${e(summary.out64)}, loss ${e(summary.loss64)}, grads ${e(summary.grad64)}; ` +
      `Adam 20 steps: losses ${e(summary.adamLoss)}, params ${e(summary.adamParam)}`,
  );
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length, keep?: (i: number) => boolean): number {
  let m = 0;
  for (let i = from; i < to; i++) if (!keep || keep(i)) m = Math.max(m, diff(a[i], b[i]));
  return m;
}

/** Plain Adam as torch.optim.Adam does it (bias-corrected; ε added after the √v correction), in float64. */
function adamLosses(layout: ParamLayout, start: Float32Array, batch: Batch, fx: Fixture): { losses: number[]; params: Float64Array } {
  const { learningRate: lr, beta1: β1, beta2: β2, epsilon: ε, steps } = fx.adam;
  const θ = Float64Array.from(start);
  const m = new Float64Array(θ.length);
  const v = new Float64Array(θ.length);
  const losses: number[] = [];
  for (let t = 1; t <= steps; t++) {
    const r = referenceForward(layout, θ, batch, { gradients: true });
    losses.push(r.loss);
    const g = r.grads!;
    const c1 = 1 - β1 ** t;
    const c2 = 1 - β2 ** t;
    for (let i = 0; i < θ.length; i++) {
      m[i] = β1 * m[i] + (1 - β1) * g[i];
      v[i] = β2 * v[i] + (1 - β2) * g[i] * g[i];
      θ[i] -= (lr / c1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(c2) + ε));
    }
  }
  return { losses, params: θ };
}

describe('reference vs PyTorch fixtures', () => {
  const names = listFixtures();
  it('has fixtures', () => expect(names.length).toBeGreaterThanOrEqual(35));

  for (const name of names) {
    it(name, () => {
      const fx = loadFixture(name);
      const layout = buildLayout(fx.spec);

      // ---- the layout PyTorch's side computed is ours
      expect(fx.size).toBe(layout.size);
      expect(fx.tensors.map((t) => [t.name, t.offset, t.shape.join('x')])).toEqual(layout.tensors.map((t) => [t.name, t.offset, t.shape.join('x')]));

      // ---- outputs, loss, gradients from the same parameters
      const r = referenceForward(layout, Float64Array.from(fx.params), fx.batch, { gradients: true });
      const O = fx.spec.output.size;
      const valid = (i: number) => fx.outputMask[Math.floor(i / O)] === 1;
      expect(r.outputs.length).toBe(fx.outputs.length);
      const out32 = maxDiff(r.outputs, fx.outputs, 0, r.outputs.length, valid);
      const out64 = maxDiff(r.outputs, fx.float64.outputs, 0, r.outputs.length, valid);
      const loss32 = diff(r.loss, fx.loss);
      const loss64 = diff(r.loss, fx.float64.loss);
      let grad32 = 0;
      let grad64 = 0;
      let worstTensor = '';
      for (const t of layout.tensors) {
        const d32 = maxDiff(r.grads!, fx.grads, t.offset, t.offset + t.size);
        const d64 = maxDiff(r.grads!, fx.float64.grads, t.offset, t.offset + t.size);
        if (d32 > grad32) worstTensor = t.name;
        grad32 = Math.max(grad32, d32);
        grad64 = Math.max(grad64, d64);
        expect(d32, `${t.name} vs float32 torch`).toBeLessThan(TOL32);
        expect(d64, `${t.name} vs float64 torch`).toBeLessThan(TOL64);
      }

      // ---- 20 Adam steps
      const adam = adamLosses(layout, fx.params, fx.batch, fx);
      const adamLoss = maxDiff(adam.losses, fx.adamLosses);
      const adamParam = maxDiff(adam.params, fx.adamParams);

      console.log(
        `[PyTorch] ${name}: ${layout.tensors.length} tensors; vs float32 torch: outputs ${out32.toExponential(2)}, loss ${loss32.toExponential(2)}, ` +
          `grads ${grad32.toExponential(2)} (${worstTensor}); vs float64 torch: outputs ${out64.toExponential(2)}, loss ${loss64.toExponential(2)}, ` +
          `grads ${grad64.toExponential(2)}; Adam ${fx.adamLosses.length} steps ${fx.adamLosses[0].toFixed(4)}→${fx.adamLosses.at(-1)!.toFixed(4)}: ` +
          `losses ${adamLoss.toExponential(2)}, params ${adamParam.toExponential(2)}`,
      );
      summary.fixtures++;
      summary.out32 = Math.max(summary.out32, out32);
      summary.loss32 = Math.max(summary.loss32, loss32);
      summary.grad32 = Math.max(summary.grad32, grad32);
      summary.out64 = Math.max(summary.out64, out64);
      summary.loss64 = Math.max(summary.loss64, loss64);
      summary.grad64 = Math.max(summary.grad64, grad64);
      summary.adamLoss = Math.max(summary.adamLoss, adamLoss);
      summary.adamParam = Math.max(summary.adamParam, adamParam);

      expect(out32).toBeLessThan(TOL32);
      expect(out64).toBeLessThan(TOL64);
      expect(loss32).toBeLessThan(TOL32);
      expect(loss64).toBeLessThan(TOL64);
      expect(adamLoss).toBeLessThan(TOL_ADAM_LOSS);
      expect(adamParam).toBeLessThan(TOL_ADAM_LOSS);
    });
  }
});
