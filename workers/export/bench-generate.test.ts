// `bench --generate` on tiny models: ours and onnxruntime-node generate the same greedy tokens (the streaming export
// fed its own state back, one step per token) and both rates are measured. No timing assertions: the figures belong
// to `seqstudio bench --generate`. Also the engine property the one-step path keeps: a sequence stepped one token
// at a time (token memo, carried state) gives bit-identical logits to the same sequence run whole.
import { describe, expect, it } from 'vitest';
import { benchSpec, type BenchConfig } from '../engine/bench';
import { generateTokens } from '../engine/generate';
import { initParameters } from '../engine/init';
import { enableRelaxedSimd, loadKernels, sourceTreeBinaries } from '../engine/kernels';
import { WasmNetwork } from '../engine/network';
import { benchGenerate, benchGenerateEncDec, type EncDecGenerateConfig } from './bench-generate';

enableRelaxedSimd();

const TINY: BenchConfig[] = [
  { name: 'tiny-lstm', description: '', cell: 'lstm', layers: 2, hidden: 12, seqLen: 8, batch: 2, vocab: 11 },
  { name: 'tiny-gru', description: '', cell: 'gru', layers: 1, hidden: 10, seqLen: 8, batch: 2, vocab: 7 },
  { name: 'tiny-rnn', description: '', cell: 'rnn', layers: 2, hidden: 9, seqLen: 8, batch: 2, vocab: 13 },
];

describe('bench --generate', () => {
  for (const c of TINY)
    it(`${c.name}: the same greedy tokens in onnxruntime, both rates measured`, async () => {
      const k = loadKernels(sourceTreeBinaries()).exports;
      const r = await benchGenerate(k, c, { tokens: 40, prime: 5, repeats: 1 });
      console.log(`[bench-generate] ${c.name}: ours ${Math.round(r.ours.tokensPerSecond)} tok/s, onnxruntime ${Math.round(r.onnxruntime.tokensPerSecond)} tok/s, tokens agree ${r.tokensAgree}`);
      expect(r.config).toBe(c.name);
      expect(r.tokens).toBe(40);
      expect(r.tokensAgree).toBe(true);
      expect(r.firstDifference).toBeUndefined();
      expect(r.ours.tokensPerSecond).toBeGreaterThan(0);
      expect(r.onnxruntime.tokensPerSecond).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.ours.tokensPerSecond / r.onnxruntime.tokensPerSecond, 6);
      expect(r.onnxruntime.threads).toBe(1);
    });

  it('refuses a configuration without token input', async () => {
    const k = loadKernels(sourceTreeBinaries()).exports;
    await expect(benchGenerate(k, { name: 'numeric', description: '', cell: 'lstm', layers: 1, hidden: 4, seqLen: 4, batch: 2, vocab: 0 }, { tokens: 4 })).rejects.toThrow(/no token input/);
  });
});

const TINY_ENCDEC: EncDecGenerateConfig[] = [
  { name: 'tiny-gru-bahdanau', description: '', cell: 'gru', layers: 1, hidden: 10, attention: 'bahdanau', sourceVocab: 13, targetVocab: 11, sourceEmbed: 6, targetEmbed: 5, sourceLength: [2, 6], maxLength: 9 },
  { name: 'tiny-lstm-luong-general', description: '', cell: 'lstm', layers: 2, hidden: 8, attention: 'luong-general', sourceVocab: 9, targetVocab: 12, sourceEmbed: 9, targetEmbed: 12, sourceLength: [1, 5], maxLength: 7 },
  // input feeding: the decoder graph's attentional_in / attentional_out pair is carried state like initial_h / final_h
  { name: 'tiny-gru-bahdanau-feed', description: '', cell: 'gru', layers: 1, hidden: 10, attention: 'bahdanau', inputFeeding: true, sourceVocab: 13, targetVocab: 11, sourceEmbed: 6, targetEmbed: 5, sourceLength: [2, 6], maxLength: 9 },
];

describe('bench --generate, encoder–decoder', () => {
  for (const c of TINY_ENCDEC)
    it(`${c.name}: greedy and beam search give the same sentences in onnxruntime (encoder + one-step decoder graphs), rates positive`, async () => {
      const k = loadKernels(sourceTreeBinaries()).exports;
      const r = await benchGenerateEncDec(k, c, { sentences: 4, repeats: 1 });
      expect(r.config).toBe(c.name);
      expect(r.batch).toBe(1);
      expect(r.searches.map((s) => [s.search, s.width, s.lengthPenalty])).toEqual([['greedy', 1, 0], ['beam', 4, 1]]);
      for (const s of r.searches) {
        console.log(`[bench-generate] ${c.name} ${s.search}: ours ${Math.round(s.ours.tokensPerSecond)} tok/s, onnxruntime ${Math.round(s.onnxruntime.tokensPerSecond)} tok/s, tokens agree ${s.tokensAgree}`);
        expect(s.tokensAgree).toBe(true);
        expect(s.firstDifference).toBeUndefined();
        expect(s.tokens).toBeGreaterThanOrEqual(4);
        expect(s.tokens).toBeLessThanOrEqual(4 * c.maxLength);
        for (const x of [s.ours, s.onnxruntime]) {
          expect(x.tokensPerSecond).toBeGreaterThan(0);
          expect(x.sentencesPerSecond).toBeGreaterThan(0);
          expect(x.tokensPerSecond / x.sentencesPerSecond).toBeCloseTo(s.tokens / 4, 6);
        }
        expect(s.ratio).toBeCloseTo(s.ours.tokensPerSecond / s.onnxruntime.tokensPerSecond, 6);
      }
      expect(r.onnxruntime.threads).toBe(1);
    });
});

describe('the one-step path', () => {
  for (const c of [...TINY, { ...TINY[0], name: 'tiny-lstm, vocabulary above the sequence', vocab: 200 }])
    it(`${c.name}: stepping one token at a time gives the logits of the whole-sequence forward, bit for bit`, () => {
      const k = loadKernels(sourceTreeBinaries()).exports;
      const net = new WasmNetwork(k, benchSpec(c));
      net.setParams(initParameters(net.layout, 4));
      const T = 30;
      const tokens = Int32Array.from({ length: T }, (_, t) => (t * 5 + 2) % c.vocab);
      net.forward({ batchSize: 1, steps: T, tokens });
      const whole = net.outputs();
      const O = c.vocab;
      let state: { h: Float32Array; c?: Float32Array } | undefined;
      for (let t = 0; t < T; t++) {
        net.forward({ batchSize: 1, steps: 1, tokens: tokens.subarray(t, t + 1), initialH: state?.h, initialC: state?.c });
        state = net.finalStates(state);
        expect(Array.from(net.outputsView())).toEqual(Array.from(whole.subarray(t * O, (t + 1) * O)));
      }
      // The memo follows the parameters: after a change, the steps give the new network's numbers.
      const params = net.params.slice();
      for (let i = 0; i < params.length; i++) params[i] *= 0.9;
      net.setParams(params);
      net.forward({ batchSize: 1, steps: 2, tokens: tokens.subarray(0, 2) });
      const fresh = net.outputs();
      net.forward({ batchSize: 1, steps: 1, tokens: tokens.subarray(0, 1) });
      const s = net.finalStates();
      net.forward({ batchSize: 1, steps: 1, tokens: tokens.subarray(1, 2), initialH: s.h, initialC: s.c });
      expect(Array.from(net.outputsView())).toEqual(Array.from(fresh.subarray(O, 2 * O)));
      // generateTokens (greedy) continues the prime as the whole-sequence argmax does.
      const gen = generateTokens(net, tokens.subarray(0, 3), 1, { temperature: 0 });
      net.forward({ batchSize: 1, steps: 3, tokens: tokens.subarray(0, 3) });
      const last = net.outputs().subarray(2 * O, 3 * O);
      expect(gen[0]).toBe(last.indexOf(Math.max(...last)));
    });
});
