// Greedy and beam search over a decoder step: on hand-built steps whose best sequence is known (and greedy misses
// it), against an exhaustive search over every sequence, width 1 equal to greedy exactly, and on an encoder–decoder
// network (prefixDecoder) against the plain teacher-forced argmax loop.
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src-shared/model';
import { beamSearch, beamSearchAsync, type DecodeStep, decodeSequence, greedySearch, greedySearchAsync, type Hypothesis, lengthNormalised, logSoftmaxRows, prefixDecoder, stepDecoder } from './generate';
import { initParameters } from './init';
import { loadKernels, sourceTreeBinaries } from './kernels';
import { WasmNetwork } from './network';
import { Rng } from './rng';

const BOS = 0;
const EOS = 1;

/** A step from a function of the whole history (bos excluded): the state is the history, so a misplaced state shows. */
function historyStep(probs: (history: number[]) => number[]): { step: DecodeStep<number[]>; calls: () => number } {
  let calls = 0;
  const step: DecodeStep<number[]> = (states, tokens) => {
    calls++;
    const next = states.map((s, n) => (tokens[n] === BOS && s.length === 0 ? [] : [...s, tokens[n]]));
    const logProbs = next.flatMap((h) => probs(h).map(Math.log));
    return { logProbs, states: next };
  };
  return { step, calls: () => calls };
}

/** Every sequence of at most L tokens (ending at eos, or unfinished at L), best first by the normalised score. */
function exhaustive(probs: (history: number[]) => number[], V: number, L: number, alpha: number): Hypothesis[] {
  const all: Hypothesis[] = [];
  const walk = (h: number[], lp: number): void => {
    const p = probs(h);
    for (let v = 0; v < V; v++) {
      if (p[v] === 0) continue;
      const y = [...h, v];
      const l = lp + Math.log(p[v]);
      if (v === EOS || y.length === L) all.push({ tokens: Int32Array.from(y), logProb: l, score: lengthNormalised(l, y.length, alpha), finished: v === EOS });
      else walk(y, l);
    }
  };
  walk([], 0);
  return all.sort((a, b) => b.score - a.score);
}

// V = 4: bos, eos, a (2), b (3). Greedy takes a (0.5) and then can only end weakly: p(a eos) = 0.5·0.4 = 0.20,
// while b (0.4) is followed by eos at 0.9: p(b eos) = 0.36, the best sequence of all.
/** Probabilities over V tokens from a hash of the history, the logits rounded so that ties happen. */
function tiedProbs(V: number, salt: number): (history: number[]) => number[] {
  return (h) => {
    const r = new Rng(h.reduce((a, t) => a * 31 + t + 1, salt + 1));
    return Array.from(logSoftmaxRows(Array.from({ length: V }, () => Math.round(r.next() * 4)), 1, V), Math.exp);
  };
}

const trap = (h: number[]): number[] => {
  if (h.length === 0) return [0, 0.1, 0.5, 0.4];
  if (h.length === 1 && h[0] === 2) return [0, 0.4, 0.3, 0.3];
  if (h.length === 1 && h[0] === 3) return [0, 0.9, 0.05, 0.05];
  return [0, 0.5, 0.25, 0.25];
};

describe('beam search', () => {
  it('finds the best sequence where greedy does not (hand-built step: p(b eos) = 0.36 > p(a eos) = 0.20)', () => {
    const opts = { bos: BOS, eos: EOS, maxLength: 5 };
    const g = greedySearch(historyStep(trap).step, [], opts);
    expect(Array.from(g.tokens)).toEqual([2, 1]);
    expect(g.logProb).toBeCloseTo(Math.log(0.2), 12);
    const beams = beamSearch(historyStep(trap).step, [], { ...opts, width: 2, lengthPenalty: 0 });
    expect(Array.from(beams[0].tokens)).toEqual([3, 1]);
    expect(beams[0].logProb).toBeCloseTo(Math.log(0.36), 12);
    expect(beams[0].finished).toBe(true);
    expect(beams[0].logProb).toBe(exhaustive(trap, 4, 5, 0)[0].logProb);
    // both finished after two steps: the search stops there (width finished hypotheses)
    expect(beams.map((b) => Array.from(b.tokens))).toEqual([[3, 1], [2, 1]]);
  });

  it('width 1 is greedy exactly: tokens and log-probability, on 200 random steps with ties and maxLength cuts', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const V = 2 + rng.int(6);
      const salt = rng.int(1000);
      const probs = tiedProbs(V, salt);
      const opts = { bos: BOS, eos: EOS, maxLength: 1 + rng.int(6) };
      const g = greedySearch(historyStep(probs).step, [], opts);
      const [b] = beamSearch(historyStep(probs).step, [], { ...opts, width: 1, lengthPenalty: rng.int(2) });
      expect(Array.from(b.tokens)).toEqual(Array.from(g.tokens));
      expect(b.logProb).toBe(g.logProb);
      expect(b.finished).toBe(g.finished);
    }
  });

  it('the asynchronous searches (an onnxruntime step) are the same search: equal hypotheses, step for step', async () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const V = 2 + rng.int(6);
      const salt = rng.int(1000);
      const probs = tiedProbs(V, salt);
      const opts = { bos: BOS, eos: EOS, maxLength: 1 + rng.int(6), width: 1 + rng.int(4), lengthPenalty: rng.int(2) };
      const sync = historyStep(probs);
      const async = historyStep(probs);
      const later: typeof async.step = (states, tokens) => async.step(states, tokens);
      const asyncStep = (states: readonly number[][], tokens: Int32Array) => new Promise<ReturnType<typeof later>>((done) => setTimeout(() => done(later(states, tokens)), 0));
      expect(await beamSearchAsync(asyncStep, [], opts)).toEqual(beamSearch(sync.step, [], opts));
      expect(async.calls()).toBe(sync.calls());
      expect(await greedySearchAsync(asyncStep, [], opts)).toEqual(greedySearch(sync.step, [], opts));
    }
  });

  it('a beam as wide as every sequence finds the exhaustive optimum, with length normalisation α = 0, 0.6, 1', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 30; trial++) {
      const V = 4;
      const L = 4;
      const salt = rng.int(1000);
      const probs = (h: number[]): number[] => {
        const r = new Rng(h.reduce((a, t) => a * 7 + t + 1, salt + 1));
        const p = [0, ...Array.from({ length: V - 1 }, () => 0.05 + r.next())]; // bos never follows
        const sum = p.reduce((a, x) => a + x, 0);
        return p.map((x) => x / sum);
      };
      for (const alpha of [0, 0.6, 1]) {
        const best = exhaustive(probs, V, L, alpha)[0];
        const [b] = beamSearch(historyStep(probs).step, [], { bos: BOS, eos: EOS, maxLength: L, width: V ** L, lengthPenalty: alpha });
        expect(Array.from(b.tokens)).toEqual(Array.from(best.tokens));
        expect(b.score).toBeCloseTo(best.score, 12);
      }
    }
  });

  it('length normalisation: α = 0 prefers the more probable short sequence, α = 1 the longer one of higher mean log-probability', () => {
    // "eos" at once: 0.45 (log −0.80); "a eos": 0.55·0.8 = 0.44 (log −0.82, per token −0.41)
    const probs = (h: number[]): number[] => (h.length === 0 ? [0, 0.45, 0.55, 0] : [0, 0.8, 0.2, 0]);
    const best = (alpha: number): number[] => Array.from(beamSearch(historyStep(probs).step, [], { bos: BOS, eos: EOS, maxLength: 6, width: 2, lengthPenalty: alpha })[0].tokens);
    expect(best(0)).toEqual([1]);
    expect(best(1)).toEqual([2, 1]);
    expect(best(1)).toEqual(Array.from(exhaustive(probs, 4, 6, 1)[0].tokens));
  });

  it('ends when width hypotheses have finished (fairseq): a better sequence beyond them is not searched for', () => {
    // eos 0.3 at once, then "a eos" 0.07, "a a eos" 0.063 finish first; "a a a eos" (0.51) would be best of all
    const probs = (h: number[]): number[] => (h.length === 0 ? [0, 0.3, 0.7, 0] : h.length < 3 ? [0, 0.1, 0.9, 0] : [0, 0.9, 0.1, 0]);
    const { step, calls } = historyStep(probs);
    const hs = beamSearch(step, [], { bos: BOS, eos: EOS, maxLength: 6, width: 3, lengthPenalty: 0 });
    expect(calls()).toBe(3);
    expect(hs.map((h) => Array.from(h.tokens))).toEqual([[1], [2, 1], [2, 2, 1]]);
    // never more than width hypotheses back, however many finish in the last step
    // (width 2: "eos" finishes at step 1, then "a eos" and "b eos" both at step 2: three finished, two returned)
    const many = (h: number[]): number[] => (h.length === 0 ? [0, 0.45, 0.3, 0.25] : [0, 0.9, 0.05, 0.05]);
    const two = beamSearch(historyStep(many).step, [], { bos: BOS, eos: EOS, maxLength: 6, width: 2, lengthPenalty: 0 });
    expect(two.map((h) => Array.from(h.tokens))).toEqual([[1], [2, 1]]);
    expect(Array.from(beamSearch(historyStep(probs).step, [], { bos: BOS, eos: EOS, maxLength: 6, width: 4, lengthPenalty: 0 })[0].tokens)).toEqual([2, 2, 2, 1]);
  });

  it('stops at maxLength with the live hypotheses unfinished, and refuses bad options by name', () => {
    const never = (): number[] => [0, 0, 0.6, 0.4]; // eos impossible
    const hs = beamSearch(historyStep(never).step, [], { bos: BOS, eos: EOS, maxLength: 3, width: 2, lengthPenalty: 0 });
    expect(hs.length).toBe(2);
    expect(hs.every((h) => !h.finished && h.tokens.length === 3)).toBe(true);
    expect(Array.from(hs[0].tokens)).toEqual([2, 2, 2]);
    expect(() => beamSearch(historyStep(never).step, [], { bos: BOS, eos: EOS, maxLength: 3, width: 0, lengthPenalty: 0 })).toThrow(/beam width/);
    expect(() => beamSearch(historyStep(never).step, [], { bos: BOS, eos: EOS, maxLength: 3, width: 2, lengthPenalty: -1 })).toThrow(/length penalty/);
    expect(() => greedySearch(historyStep(never).step, [], { bos: BOS, eos: EOS, maxLength: 0 })).toThrow(/maxLength/);
  });
});

describe('decoding an encoder–decoder network (prefixDecoder)', () => {
  const kernels = loadKernels(sourceTreeBinaries(), 'simd').exports;
  const spec: ModelSpec = {
    shape: 'encoder-decoder',
    input: { vocabSize: 7, embedSize: 5, featureSize: 0 },
    output: { kind: 'classes', size: 9 },
    decoder: { vocabSize: 9, embedSize: 5 },
    stack: { cell: 'gru', layers: 2, hiddenSize: 12, bidirectional: true },
    dropout: 0,
    forgetBias: 1,
  };
  const net = new WasmNetwork(kernels, spec);
  net.setParams(initParameters(net.layout, 5).map((x) => x * 3)); // sharper than init: decodes vary and end

  /** The plain loop: teacher-forced on the prefix, one forward per token, argmax of the last step's logits. */
  const plainGreedy = (src: Int32Array, maxLength: number): number[] => {
    const out: number[] = [];
    const prefix = [BOS];
    while (out.length < maxLength) {
      net.forward({ batchSize: 1, steps: src.length, tokens: src, decoderSteps: prefix.length, decoderTokens: Int32Array.from(prefix) });
      const o = net.outputs().subarray((prefix.length - 1) * 9);
      let best = 0;
      for (let v = 1; v < 9; v++) if (o[v] > o[best]) best = v;
      out.push(best);
      if (best === EOS) break;
      prefix.push(best);
    }
    return out;
  };

  it('greedy, beam width 1 and decodeSequence all equal the plain argmax loop; the beam scores no worse than greedy', () => {
    const rng = new Rng(11);
    let beamBetter = 0;
    for (let i = 0; i < 20; i++) {
      const src = Int32Array.from({ length: 1 + rng.int(6) }, () => rng.int(7));
      const opts = { bos: BOS, eos: EOS, maxLength: 8 };
      const want = plainGreedy(src, 8);
      const d = prefixDecoder(net, src);
      const g = greedySearch(d.step, d.start, opts);
      expect(Array.from(g.tokens)).toEqual(want);
      const [b1] = beamSearch(d.step, d.start, { ...opts, width: 1, lengthPenalty: 0 });
      expect(Array.from(b1.tokens)).toEqual(want);
      expect(b1.logProb).toBe(g.logProb);
      expect(Array.from(decodeSequence(net, src, { ...opts, temperature: 0 }))).toEqual(want);
      const [b4] = beamSearch(d.step, d.start, { ...opts, width: 4, lengthPenalty: 0 });
      if (b4.finished && g.finished) expect(b4.logProb).toBeGreaterThanOrEqual(g.logProb - 1e-9);
      if (b4.logProb > g.logProb + 1e-9) beamBetter++;
    }
    console.log(`[generate] random GRU encoder–decoder: beam 4 found a more probable decode than greedy for ${beamBetter} of 20 sources`);
  });
});

describe('stepDecoder: the recurrent state carried per hypothesis (encode once, one decodeStep per token)', () => {
  const kernels = loadKernels(sourceTreeBinaries(), 'simd').exports;
  it.each([
    ['GRU 2×12 bidirectional encoder, no attention', 'gru', true, undefined],
    ['LSTM 2×10, Bahdanau attention', 'lstm', false, 'bahdanau'],
    ['GRU 1×12 bidirectional encoder, Luong general attention', 'gru', true, 'luong-general'],
    ['LSTM 2×10 bidirectional encoder, Bahdanau attention with input feeding (h̃ reordered with the beams)', 'lstm', true, 'bahdanau', true],
    ['GRU 1×12, Luong dot attention with input feeding', 'gru', false, 'luong-dot', true],
  ] as const)('decodes as the teacher-forced reference does: %s', (_name, cell, bidirectional, attention, inputFeeding?: boolean) => {
    const spec: ModelSpec = {
      shape: 'encoder-decoder',
      input: { vocabSize: 7, embedSize: 5, featureSize: 0 },
      output: { kind: 'classes', size: 9 },
      decoder: { vocabSize: 9, embedSize: 5 },
      stack: { cell, layers: attention === 'luong-general' || attention === 'luong-dot' ? 1 : 2, hiddenSize: cell === 'lstm' ? 10 : 12, bidirectional },
      dropout: 0,
      forgetBias: 1,
      ...(attention ? { attention } : {}),
      ...(inputFeeding ? { inputFeeding } : {}),
    };
    const net = new WasmNetwork(kernels, spec);
    net.setParams(initParameters(net.layout, 7).map((x) => x * 3));
    const rng = new Rng(5);
    for (let i = 0; i < 12; i++) {
      const src = Int32Array.from({ length: 1 + rng.int(6) }, () => rng.int(7));
      const opts = { bos: BOS, eos: EOS, maxLength: 8 };
      const ref = prefixDecoder(net, src);
      const fast = stepDecoder(net, src);
      const g = greedySearch(fast.step, fast.start, opts);
      const gRef = greedySearch(ref.step, ref.start, opts);
      expect(Array.from(g.tokens)).toEqual(Array.from(gRef.tokens));
      expect(g.logProb).toBeCloseTo(gRef.logProb, 4);
      const beams = beamSearch(fast.step, fast.start, { ...opts, width: 3, lengthPenalty: 1 });
      const beamsRef = beamSearch(ref.step, ref.start, { ...opts, width: 3, lengthPenalty: 1 });
      expect(beams.map((h) => Array.from(h.tokens))).toEqual(beamsRef.map((h) => Array.from(h.tokens)));
      beams.forEach((h, k) => expect(h.logProb).toBeCloseTo(beamsRef[k].logProb, 4));
    }
  });
});

