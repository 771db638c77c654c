// Finite-difference checks of the float64 reference: its hand-written BPTT gradients against central differences of
// its own loss, on every parameter tensor of every shape, cell, depth and direction; its ‖∂L/∂hₜ‖ against central
// differences over a nudge of each hidden state; and the batch.ts semantics that differences cannot see (padding,
// reverse-within-length, dropout masks).

import { afterAll, describe, expect, it } from 'vitest';
import { type ModelSpec, type ProblemShape } from '../../src-shared/model';
import { ATTENTION_TYPES, type AttentionType } from '../../src-shared/attention';
import { CELL_TYPES, type CellType } from '../../src-shared/cells';
import type { Batch } from './batch';
import { initParameters } from './init';
import { buildLayout, type ParamLayout } from './layout';
import { referenceForward, type ReferenceOptions } from './reference';
import { Rng } from './rng';

// Central differences in float64 with ε = 1e-5: truncation ≈ ε²·|L'''|/6 ≈ 2e-11 and round-off ≈ 1e-16·|L|/ε ≈ 2e-11,
// so the numeric gradient is good to a few 1e-11 absolute (measured: ε = 1e-6 is worse, its round-off ≈ 4e-10 dominates).
// The relative error |g − ĝ| / max(|g|, |ĝ|, FLOOR) is therefore < 1e-6 for any gradient at or above FLOOR = 1e-4;
// smaller gradients are held to an absolute 1e-10 instead of a ratio of two round-off-sized numbers.
const EPS = 1e-5;
const FLOOR = 1e-4;
const TOL = 1e-6;
const PER_TENSOR = 10;

const worst = { rel: 0, label: '', entries: 0, tensors: 0, configs: 0 };
afterAll(() => {
  console.log(
    `[reference FD] ${worst.configs} configurations, ${worst.tensors} tensors, ${worst.entries} gradient entries vs central differences (ε=${EPS}); worst relative error ${worst.rel.toExponential(2)} (${worst.label})`,
  );
});

// ---- builders ---------------------------------------------------------------------------------------------------

interface Config {
  shape: ProblemShape;
  cell: CellType;
  layers: number;
  bidirectional: boolean;
  hiddenSize?: number;
  vocabSize?: number; // 0 = no tokens
  featureSize?: number;
  output?: 'classes' | 'values';
  dropout?: number;
  attention?: AttentionType;
  inputFeeding?: boolean;
}

function makeSpec(c: Config): ModelSpec {
  const vocabSize = c.vocabSize ?? 6;
  return {
    shape: c.shape,
    input: { vocabSize, embedSize: vocabSize > 0 ? 3 : 0, featureSize: c.featureSize ?? 0 },
    stack: { cell: c.cell, layers: c.layers, hiddenSize: c.hiddenSize ?? 4, bidirectional: c.bidirectional },
    output: { kind: c.output ?? 'classes', size: c.output === 'values' ? 2 : 5 },
    dropout: c.dropout ?? 0,
    forgetBias: 1,
    decoder: c.shape === 'encoder-decoder' ? { vocabSize: 5, embedSize: 3 } : undefined,
    ...(c.attention ? { attention: c.attention } : {}),
    ...(c.inputFeeding ? { inputFeeding: true } : {}),
  };
}

function makeParams(layout: ParamLayout, seed: number): Float64Array {
  // PyTorch-style init, then a random jitter so no bias is exactly its default (forgetBias = 1 included).
  const p = Float64Array.from(initParameters(layout, seed));
  const rng = new Rng(seed + 1000);
  for (const t of layout.tensors) for (let i = 0; i < t.size; i++) p[t.offset + i] += rng.uniform(-0.2, 0.2);
  return p;
}

interface BatchOptions {
  T?: number;
  B?: number;
  lengths?: number[];
  ignore?: boolean; // some class targets < 0
  initialStates?: boolean;
  weights?: boolean;
  Td?: number;
  decoderLengths?: number[];
}

function makeBatch(layout: ParamLayout, seed: number, o: BatchOptions = {}): Batch {
  const { spec } = layout;
  const rng = new Rng(seed);
  const T = o.T ?? 5;
  const B = o.B ?? 3;
  const { vocabSize: V, featureSize: F } = spec.input;
  const O = spec.output.size;
  const batch: Batch = { batchSize: B, steps: T };
  if (V > 0) batch.tokens = Int32Array.from({ length: T * B }, () => rng.int(V));
  if (F > 0) batch.features = Float32Array.from({ length: T * B * F }, () => rng.normal());
  if (o.lengths) batch.lengths = Int32Array.from(o.lengths);
  let rows = B;
  if (spec.shape === 'encoder-decoder') {
    const Td = o.Td ?? 4;
    batch.decoderSteps = Td;
    batch.decoderTokens = Int32Array.from({ length: Td * B }, () => rng.int(spec.decoder!.vocabSize));
    if (o.decoderLengths) batch.decoderLengths = Int32Array.from(o.decoderLengths);
    rows = Td * B;
  } else if (spec.shape === 'many-to-many' || spec.shape === 'one-to-many') {
    rows = T * B;
  }
  if (spec.output.kind === 'classes') {
    batch.targetClasses = Int32Array.from({ length: rows }, () => rng.int(O));
    if (o.ignore) for (let n = 1; n < rows; n += 4) batch.targetClasses[n] = -1;
  } else {
    batch.targetValues = Float32Array.from({ length: rows * O }, () => rng.normal());
  }
  if (o.weights) batch.weights = Float32Array.from({ length: rows }, () => rng.uniform(0, 2));
  if (o.initialStates) {
    const { layers: L, directions: D, hiddenSize: H } = layout.encoder;
    batch.initialH = Float32Array.from({ length: L * D * B * H }, () => rng.uniform(-0.8, 0.8));
    if (spec.stack.cell === 'lstm') batch.initialC = Float32Array.from({ length: L * D * B * H }, () => rng.uniform(-1.5, 1.5));
  }
  return batch;
}

// ---- the check --------------------------------------------------------------------------------------------------

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), FLOOR);

/** Analytic gradient vs central differences on ~PER_TENSOR random entries of every tensor; returns the worst error. */
function gradientCheck(label: string, layout: ParamLayout, params: Float64Array, batch: Batch, opts: ReferenceOptions = {}): number {
  const base = referenceForward(layout, params, batch, { ...opts, gradients: true });
  const g = base.grads!;
  expect(Number.isFinite(base.loss)).toBe(true);
  expect(base.weightSum).toBeGreaterThan(0);
  const rng = new Rng(12345);
  let worstHere = 0;
  let worstWhere = '';
  let entries = 0;
  let nonZero = 0;
  for (const t of layout.tensors) {
    const picks = t.size <= PER_TENSOR ? [...Array(t.size).keys()] : [...Array(PER_TENSOR)].map(() => rng.int(t.size));
    for (const i of picks) {
      const k = t.offset + i;
      const saved = params[k];
      params[k] = saved + EPS;
      const up = referenceForward(layout, params, batch, opts).loss;
      params[k] = saved - EPS;
      const down = referenceForward(layout, params, batch, opts).loss;
      params[k] = saved;
      const numeric = (up - down) / (2 * EPS);
      const e = relErr(g[k], numeric);
      if (e > worstHere) {
        worstHere = e;
        worstWhere = `${t.name}[${i}] analytic ${g[k].toExponential(6)} numeric ${numeric.toExponential(6)}`;
      }
      if (Math.abs(g[k]) > FLOOR) nonZero++;
      entries++;
    }
  }
  // Padding between tensors never gets a gradient.
  const inTensor = new Uint8Array(layout.size);
  for (const t of layout.tensors) inTensor.fill(1, t.offset, t.offset + t.size);
  for (let k = 0; k < layout.size; k++) if (!inTensor[k]) expect(g[k]).toBe(0);

  console.log(`[FD] ${label}: ${layout.tensors.length} tensors, ${entries} entries (${nonZero} above ${FLOOR}), worst rel err ${worstHere.toExponential(2)}${worstWhere ? ` at ${worstWhere}` : ''}`);
  worst.configs++;
  worst.tensors += layout.tensors.length;
  worst.entries += entries;
  if (worstHere >= worst.rel) {
    worst.rel = worstHere;
    worst.label = `${label}: ${worstWhere}`;
  }
  expect(nonZero).toBeGreaterThan(entries / 4); // the check must not pass on a sea of zeros
  expect(worstHere).toBeLessThan(TOL);
  return worstHere;
}

function check(label: string, c: Config, o: BatchOptions = {}, opts: ReferenceOptions = {}, seed = 7): void {
  const layout = buildLayout(makeSpec(c));
  gradientCheck(label, layout, makeParams(layout, seed), makeBatch(layout, seed + 1, o), opts);
}

// ---- gradients --------------------------------------------------------------------------------------------------

describe('reference gradients vs finite differences', () => {
  for (const cell of CELL_TYPES) {
    for (const layers of [1, 2]) {
      for (const bidirectional of [false, true]) {
        const label = `${cell} ${layers}L ${bidirectional ? 'bi' : 'uni'} many-to-many CE, lengths [5,3,1], ignored targets`;
        it(label, () => check(label, { shape: 'many-to-many', cell, layers, bidirectional }, { lengths: [5, 3, 1], ignore: true }));
      }
    }

    it(`${cell} many-to-one MSE on features`, () => {
      const label = `${cell} 2L bi many-to-one MSE, features only, lengths [4,5,2]`;
      check(label, { shape: 'many-to-one', cell, layers: 2, bidirectional: true, vocabSize: 0, featureSize: 3, output: 'values' }, { lengths: [4, 5, 2] });
    });

    it(`${cell} many-to-one CE on tokens + features, explicit weights`, () => {
      const label = `${cell} 1L bi many-to-one CE, tokens+features, weights`;
      check(label, { shape: 'many-to-one', cell, layers: 1, bidirectional: true, featureSize: 2 }, { lengths: [2, 5, 3], weights: true });
    });

    it(`${cell} one-to-one`, () => {
      const label = `${cell} 2L uni one-to-one CE, T=1 features`;
      check(label, { shape: 'one-to-one', cell, layers: 2, bidirectional: false, vocabSize: 0, featureSize: 3 }, { T: 1 });
    });

    it(`${cell} one-to-many on tokens + features`, () => {
      const label = `${cell} 2L uni one-to-many MSE, tokens+features`;
      check(label, { shape: 'one-to-many', cell, layers: 2, bidirectional: false, featureSize: 2, output: 'values' }, { T: 6 });
    });

    it(`${cell} encoder–decoder with a bidirectional encoder`, () => {
      const label = `${cell} 2L bi-encoder encoder-decoder CE, lengths [5,2,4], decoder lengths [4,3,1]`;
      check(label, { shape: 'encoder-decoder', cell, layers: 2, bidirectional: true }, { lengths: [5, 2, 4], Td: 4, decoderLengths: [4, 3, 1], ignore: true });
    });

    it(`${cell} initial states given`, () => {
      const label = `${cell} 2L bi many-to-many CE, initialH/C given`;
      check(label, { shape: 'many-to-many', cell, layers: 2, bidirectional: true }, { lengths: [5, 4, 2], initialStates: true });
      const label2 = `${cell} 1L bi-encoder encoder-decoder, initialH/C given`;
      check(label2, { shape: 'encoder-decoder', cell, layers: 1, bidirectional: true }, { initialStates: true, Td: 3 });
    });

    it(`${cell} dropout on (same batch seed on both sides of each difference)`, () => {
      const opts = { train: true, dropoutBatchSeed: 99 };
      const label = `${cell} 3L bi many-to-many CE, dropout 0.3`;
      check(label, { shape: 'many-to-many', cell, layers: 3, bidirectional: true, dropout: 0.3 }, { lengths: [5, 3, 4] }, opts);
      const label2 = `${cell} 2L bi-encoder encoder-decoder, dropout 0.4`;
      check(label2, { shape: 'encoder-decoder', cell, layers: 2, bidirectional: true, dropout: 0.4 }, { Td: 3 }, opts);
    });
  }
});

describe('reference attention gradients vs finite differences', () => {
  // Every attention entry over uni- and bidirectional, 1- and 2-layer encoders, with padded, varied source lengths
  // (the masked softmax) and decoder lengths; dot attention needs D·H_e = H_d, so it runs on unidirectional encoders.
  for (const attention of ATTENTION_TYPES.filter((a) => a !== 'none')) {
    for (const cell of ['gru', 'lstm'] as const)
      for (const [layers, bidirectional] of [[1, false], [2, true], [2, false]] as const) {
        if (attention === 'luong-dot' && bidirectional) continue;
        const label = `${attention} ${cell} ${layers}L ${bidirectional ? 'bi' : 'uni'}-encoder, source lengths [5,2,4], decoder lengths [4,3,1]`;
        it(label, () => check(label, { shape: 'encoder-decoder', cell, layers, bidirectional, attention }, { lengths: [5, 2, 4], Td: 4, decoderLengths: [4, 3, 1], ignore: true }));
      }
    it(`${attention} rnn 2L bi/uni-encoder with dropout`, () => {
      const label = `${attention} rnn 2L encoder-decoder, dropout 0.3`;
      check(label, { shape: 'encoder-decoder', cell: 'rnn', layers: 2, bidirectional: attention !== 'luong-dot', dropout: 0.3, attention }, { lengths: [3, 5, 1], Td: 3 }, { train: true, dropoutBatchSeed: 4 });
    });
  }

  // Input feeding (Luong §3.3): the decoder reads [embedding ; h̃_{t−1}]; step t's input sends gradient to h̃_{t−1}.
  for (const attention of ATTENTION_TYPES.filter((a) => a !== 'none'))
    for (const [cell, layers, bidirectional] of [['gru', 1, false], ['lstm', 2, true], ['lstm', 2, false]] as const) {
      if (attention === 'luong-dot' && bidirectional) continue;
      const label = `input feeding + ${attention} ${cell} ${layers}L ${bidirectional ? 'bi' : 'uni'}-encoder, source lengths [5,2,4], decoder lengths [4,3,1]`;
      it(label, () => check(label, { shape: 'encoder-decoder', cell, layers, bidirectional, attention, inputFeeding: true }, { lengths: [5, 2, 4], Td: 4, decoderLengths: [4, 3, 1], ignore: true }));
    }
  it('input feeding + bahdanau rnn 2L bi-encoder with dropout', () => {
    const label = 'input feeding + bahdanau rnn 2L encoder-decoder, dropout 0.3';
    check(label, { shape: 'encoder-decoder', cell: 'rnn', layers: 2, bidirectional: true, dropout: 0.3, attention: 'bahdanau', inputFeeding: true }, { lengths: [3, 5, 1], Td: 3 }, { train: true, dropoutBatchSeed: 4 });
  });
  it('input feeding without attention is refused', () => {
    expect(() => buildLayout(makeSpec({ shape: 'encoder-decoder', cell: 'gru', layers: 1, bidirectional: false, attention: 'none', inputFeeding: true }))).toThrow(/attention none/);
  });

  it('padded source positions get no weight, and padding never changes the outputs', () => {
    for (const attention of ['luong-general', 'bahdanau'] as const) {
      const layout = buildLayout(makeSpec({ shape: 'encoder-decoder', cell: 'gru', layers: 1, bidirectional: true, attention }));
      const params = makeParams(layout, 5);
      const batch = makeBatch(layout, 6, { T: 5, lengths: [5, 2, 3], Td: 3 });
      const res = referenceForward(layout, params, batch);
      const a = res.attentionWeights!;
      for (let b = 0; b < 3; b++)
        for (let t = 0; t < 3; t++) {
          let sum = 0;
          for (let j = 0; j < 5; j++) {
            const w = a[(b * 3 + t) * 5 + j];
            if (j >= batch.lengths![b]) expect(w).toBe(0);
            sum += w;
          }
          expect(sum).toBeCloseTo(1, 12);
        }
      // other tokens in the padding: the same outputs, bit for bit
      const other = { ...batch, tokens: batch.tokens!.map((v, i) => (Math.floor(i / 3) >= batch.lengths![i % 3] ? (v + 1) % 6 : v)) };
      expect(referenceForward(layout, params, other).outputs).toEqual(res.outputs);
    }
  });
});

// ---- ‖∂L/∂hₜ‖ ---------------------------------------------------------------------------------------------------

describe('reference hidden-state gradient norms', () => {
  /**
   * For every layer-direction and every original step t: nudge each h[t, b, j] by ±ε (the reference adds the nudge
   * right after computing h, so everything downstream sees it), take ∂L/∂h by central differences, and compare the
   * norm over (B, H) with hiddenGradNorms. This measures exactly the "total gradient reaching hₜ".
   */
  function normCheck(label: string, c: Config, o: BatchOptions, opts: ReferenceOptions = {}): void {
    const layout = buildLayout(makeSpec(c));
    const params = makeParams(layout, 3);
    const batch = makeBatch(layout, 4, o);
    const res = referenceForward(layout, params, batch, { ...opts, gradients: true });
    const { layers: L, directions: D, hiddenSize: H } = layout.encoder;
    const T = batch.steps;
    const B = batch.batchSize;
    expect(res.hiddenGradNorms!.length).toBe(L * D);
    let worstHere = 0;
    let compared = 0;
    for (let l = 0; l < L; l++)
      for (let d = 0; d < D; d++)
        for (let t = 0; t < T; t++) {
          let sq = 0;
          for (let b = 0; b < B; b++)
            for (let j = 0; j < H; j++) {
              const at = (delta: number) => referenceForward(layout, params, batch, { ...opts, hiddenNudge: { layer: l, direction: d, step: t, item: b, unit: j, delta } }).loss;
              const dh = (at(EPS) - at(-EPS)) / (2 * EPS);
              sq += dh * dh;
            }
          const e = relErr(res.hiddenGradNorms![l * D + d][t], Math.sqrt(sq));
          worstHere = Math.max(worstHere, e);
          compared++;
        }
    console.log(`[‖∂L/∂h‖] ${label}: ${compared} (layer, direction, step) norms vs nudge differences, worst rel err ${worstHere.toExponential(2)}`);
    expect(worstHere).toBeLessThan(TOL);
  }

  for (const cell of CELL_TYPES) {
    it(`${cell}: many-to-many, bidirectional, variable lengths`, () =>
      normCheck(`${cell} 2L bi many-to-many, lengths [5,3,1]`, { shape: 'many-to-many', cell, layers: 2, bidirectional: true }, { lengths: [5, 3, 1], ignore: true }));
    it(`${cell}: many-to-one, bidirectional (gradient enters at the final state)`, () =>
      normCheck(`${cell} 2L bi many-to-one, lengths [4,5,2]`, { shape: 'many-to-one', cell, layers: 2, bidirectional: true, vocabSize: 0, featureSize: 2, output: 'values' }, { lengths: [4, 5, 2] }));
    it(`${cell}: encoder of an encoder–decoder, with dropout`, () =>
      normCheck(
        `${cell} 2L bi-encoder encoder-decoder, dropout 0.3`,
        { shape: 'encoder-decoder', cell, layers: 2, bidirectional: true, dropout: 0.3 },
        { lengths: [5, 2, 4], Td: 3 },
        { train: true, dropoutBatchSeed: 5 },
      ));
  }

  for (const attention of ['luong-general', 'bahdanau'] as const)
    it(`${attention}: the encoder of an attention model (gradient reaches every source step through the context)`, () =>
      normCheck(`gru 2L bi-encoder encoder-decoder + ${attention}`, { shape: 'encoder-decoder', cell: 'gru', layers: 2, bidirectional: true, attention }, { lengths: [5, 2, 4], Td: 3 }));

  it('many-to-one, unidirectional: the last step of the top layer gets exactly Wyᵀ·∂L/∂y', () => {
    // With every length = T, the top layer's h_{T−1} feeds only the head, so ‖∂L/∂h_{T−1}‖ = ‖Wyᵀ·∂L/∂y‖ over (B, H),
    // with ∂L/∂y = 2(y − t)/(O·B) for MSE, computed here from the reference's own outputs.
    for (const cell of CELL_TYPES) {
      const layout = buildLayout(makeSpec({ shape: 'many-to-one', cell, layers: 2, bidirectional: false, vocabSize: 0, featureSize: 3, output: 'values' }));
      const params = makeParams(layout, 11);
      const batch = makeBatch(layout, 12, { T: 6 });
      const res = referenceForward(layout, params, batch, { gradients: true });
      const { Wy } = layout.head;
      const [O, H] = Wy.shape;
      const B = batch.batchSize;
      let sq = 0;
      for (let b = 0; b < B; b++)
        for (let j = 0; j < H; j++) {
          let dh = 0;
          for (let o = 0; o < O; o++) dh += params[Wy.offset + o * H + j] * ((2 * (res.outputs[b * O + o] - batch.targetValues![b * O + o])) / (O * B));
          sq += dh * dh;
        }
      const got = res.hiddenGradNorms![1][5];
      console.log(`[‖∂L/∂h‖] ${cell} many-to-one uni last step: ${got.toExponential(6)} vs head ${Math.sqrt(sq).toExponential(6)}`);
      expect(relErr(got, Math.sqrt(sq))).toBeLessThan(1e-12);
    }
  });
});

// ---- semantics the differences cannot see -----------------------------------------------------------------------

describe('reference semantics', () => {
  it('padding never changes valid outputs, final states or the loss (reverse reads within length)', () => {
    for (const cell of CELL_TYPES) {
      for (const shape of ['many-to-many', 'many-to-one'] as const) {
        const layout = buildLayout(makeSpec({ shape, cell, layers: 2, bidirectional: true, featureSize: 2 }));
        const params = makeParams(layout, 21);
        const lengths = [5, 3, 1];
        const a = makeBatch(layout, 22, { lengths });
        const b = makeBatch(layout, 22, { lengths });
        // scramble the padding of b
        const B = 3;
        const F = 2;
        for (let t = 0; t < 5; t++)
          for (let i = 0; i < B; i++)
            if (t >= lengths[i]) {
              b.tokens![t * B + i] = (b.tokens![t * B + i] + 1) % 6;
              for (let f = 0; f < F; f++) b.features![(t * B + i) * F + f] += 3;
            }
        const ra = referenceForward(layout, params, a, { gradients: true });
        const rb = referenceForward(layout, params, b, { gradients: true });
        expect(rb.loss).toBeCloseTo(ra.loss, 14);
        for (let k = 0; k < ra.finalH.length; k++) expect(rb.finalH[k]).toBeCloseTo(ra.finalH[k], 14);
        for (let k = 0; k < ra.grads!.length; k++) expect(rb.grads![k]).toBeCloseTo(ra.grads![k], 13);
        const O = layout.spec.output.size;
        if (shape === 'many-to-many') {
          for (let t = 0; t < 5; t++) for (let i = 0; i < B; i++) if (t < lengths[i]) for (let o = 0; o < O; o++) expect(rb.outputs[(t * B + i) * O + o]).toBeCloseTo(ra.outputs[(t * B + i) * O + o], 14);
        } else {
          for (let k = 0; k < ra.outputs.length; k++) expect(rb.outputs[k]).toBeCloseTo(ra.outputs[k], 14);
        }
      }
    }
  });

  it('the reverse direction of a length-n item equals the forward direction run on that item reversed', () => {
    // One layer, bidirectional, many-to-one on features: item 0 holds x of length 3 (padded to 5); item 1 holds the
    // same x reversed. The reverse final state of item 0 must equal the forward final state of item 1 with the same
    // weights copied into the forward slot.
    for (const cell of CELL_TYPES) {
      const layout = buildLayout(makeSpec({ shape: 'many-to-one', cell, layers: 1, bidirectional: true, vocabSize: 0, featureSize: 2 }));
      const params = makeParams(layout, 31);
      const fwd = layout.encoder.cells[0][0];
      const rev = layout.encoder.cells[0][1];
      for (const k of ['Wx', 'Wh', 'bx', 'bh', 'P'] as const) if (rev[k]) params.copyWithin(fwd[k]!.offset, rev[k].offset, rev[k].offset + rev[k].size); // every tensor of the cell
      const F = 2;
      const B = 2;
      const x = [0.3, -1, 1.2, 0.5, -0.7, 0.1];
      const features = new Float32Array(5 * B * F).fill(9); // padding: loud values that must not matter
      for (let s = 0; s < 3; s++)
        for (let f = 0; f < F; f++) {
          features[(s * B + 0) * F + f] = x[s * F + f];
          features[(s * B + 1) * F + f] = x[(2 - s) * F + f];
        }
      const batch: Batch = { batchSize: B, steps: 5, features, lengths: Int32Array.from([3, 3]), targetClasses: Int32Array.from([0, 1]) };
      const res = referenceForward(layout, params, batch);
      const H = layout.encoder.hiddenSize;
      for (let j = 0; j < H; j++) expect(res.finalH[1 * B * H + 0 * H + j]).toBeCloseTo(res.finalH[0 * B * H + 1 * H + j], 14);
    }
  });

  it('dropout: off outside training, deterministic per batch seed, different across seeds', () => {
    const c: Config = { shape: 'many-to-many', cell: 'lstm', layers: 3, bidirectional: true, dropout: 0.5 };
    const layout = buildLayout(makeSpec(c));
    const noDrop = buildLayout(makeSpec({ ...c, dropout: 0 }));
    const params = makeParams(layout, 41);
    const batch = makeBatch(layout, 42);
    const evalLoss = referenceForward(layout, params, batch).loss;
    expect(referenceForward(noDrop, params, batch, { train: true, dropoutBatchSeed: 1 }).loss).toBe(evalLoss);
    const a = referenceForward(layout, params, batch, { train: true, dropoutBatchSeed: 1 }).loss;
    expect(referenceForward(layout, params, batch, { train: true, dropoutBatchSeed: 1 }).loss).toBe(a);
    expect(referenceForward(layout, params, batch, { train: true, dropoutBatchSeed: 2 }).loss).not.toBe(a);
    expect(a).not.toBe(evalLoss);
  });

  it('initial states change the outputs; encoder–decoder final states are the decoder’s (L, B, H)', () => {
    const layout = buildLayout(makeSpec({ shape: 'encoder-decoder', cell: 'lstm', layers: 2, bidirectional: true }));
    const params = makeParams(layout, 51);
    const batch = makeBatch(layout, 52, { Td: 3, decoderLengths: [3, 1, 2] });
    const r = referenceForward(layout, params, batch);
    expect(r.outputs.length).toBe(3 * 3 * 5);
    expect(r.finalH.length).toBe(2 * 3 * 4);
    expect(r.finalC!.length).toBe(2 * 3 * 4);
    const withInit = referenceForward(layout, params, makeBatch(layout, 52, { Td: 3, decoderLengths: [3, 1, 2], initialStates: true }));
    expect(withInit.loss).not.toBe(r.loss);
  });
});
