// The `bench --profile` breakdown: categories cover the step, shares add up, the peak and the ceiling are measured.
import { describe, expect, it } from 'vitest';
import type { BenchConfig } from './bench';
import { enableRelaxedSimd, loadKernels, sourceTreeBinaries } from './kernels';
import { formatProfile, profileBench } from './profile';

enableRelaxedSimd();

const SMALL: BenchConfig[] = [
  { name: 'tiny-lstm', description: '', cell: 'lstm', layers: 2, hidden: 16, seqLen: 6, batch: 7, vocab: 11 },
  { name: 'tiny-gru', description: '', cell: 'gru', layers: 1, hidden: 12, seqLen: 5, batch: 3, vocab: 0 },
  { name: 'tiny-rnn', description: '', cell: 'rnn', layers: 1, hidden: 8, seqLen: 4, batch: 5, vocab: 9 },
  { name: 'tiny-attention', description: '', cell: 'gru', layers: 1, hidden: 8, seqLen: 5, batch: 3, vocab: 7, decoder: { attention: 'bahdanau' } },
];

describe('profileBench', () => {
  for (const c of SMALL)
    it(`breaks down a step of ${c.name}`, () => {
      const k = loadKernels(sourceTreeBinaries()).exports;
      const p = profileBench(k, c, { seconds: 0.05 });
      expect(p.config).toBe(c.name);
      expect(p.msPerStep).toBeGreaterThan(0);
      const total = p.entries.reduce((s, e) => s + e.share, 0);
      expect(total).toBeGreaterThan(0.5);
      expect(total).toBeLessThan(1.5);
      for (const e of p.entries) expect(e.share).toBeGreaterThanOrEqual(0);
      const what = p.entries.map((e) => e.what).join('\n');
      expect(what).toMatch(/recurrent forward: step GEMMs/);
      expect(what).toMatch(/recurrent backward: gates/);
      expect(what).toMatch(/GEMM: weight gradients/);
      expect(what).toMatch(/optimiser/);
      if (c.decoder) expect(what).toMatch(/attention: scores, softmax, context \(forward\)[\s\S]*attention: scores, softmax, context \(backward\)|attention: scores, softmax, context \(backward\)[\s\S]*attention: scores, softmax, context \(forward\)/);
      expect(p.crossingsPerStep).toBeGreaterThan(5);
      expect(p.peak.fmaGflops).toBeGreaterThan(0);
      expect(p.peak.gemmGflops).toBeGreaterThan(0);
      expect(p.telemetryShare).toBeGreaterThanOrEqual(0);
      const lines = formatProfile(p);
      expect(lines[0]).toContain(`profile ${c.name}`);
      expect(lines.some((l) => l.includes('WASM SIMD peak'))).toBe(true);
      // The roofline: above zero, not slower than the step itself (its GEMMs cannot beat the FMA peak).
      expect(p.ceiling.msPerStep).toBeGreaterThan(0);
      expect(p.ceiling.msPerStep).toBeLessThanOrEqual(p.msPerStep * 1.1);
      expect(p.ceiling.tokensPerSecond).toBeCloseTo((c.seqLen * c.batch * 1000) / p.ceiling.msPerStep, 6);
      expect(lines.some((l) => l.includes('ceiling:') && l.includes('tok/s'))).toBe(true);
    });

  it('leaves the kernels usable for a normal network afterwards', async () => {
    const k = loadKernels(sourceTreeBinaries()).exports;
    profileBench(k, SMALL[0], { seconds: 0.02 });
    const { benchTrainer } = await import('./bench');
    const r = await benchTrainer(k, SMALL[0], { steps: 2, repeats: 1 });
    expect(r.tokensPerSecond).toBeGreaterThan(0);
  });
});
