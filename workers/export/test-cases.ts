// Tiny models of every cell × direction × shape for the exporter's tests (export.test.ts, onnx-checker.test.ts):
// a spec, a seeded synthetic task (padded where the shape allows), training through the real Trainer, and the
// held-out batches to compare on. Test support only; not used by the app.

import { DEFAULT_TRAIN_SETTINGS, type ModelSpec, type ProblemShape } from '../../src-shared/model';
import { CELL_TYPES, type CellType } from '../../src-shared/cells';
import type { Batch } from '../engine/batch';
import type { TrainingData } from '../engine/data-source';
import type { KernelExports } from '../engine/kernels';
import { Rng } from '../engine/rng';
import { Trainer } from '../engine/trainer';
import type { GenerationCheck, VerifyData } from './verify';

export interface ExportCase {
  name: string;
  spec: ModelSpec;
  make: (rng: Rng) => Batch;
  stateful: boolean;
  /** Graph options this case exports with. */
  streaming: boolean;
  lengths: boolean;
  generation?: (validation: Batch[]) => GenerationCheck;
}

const H = 6;
const BOS = 0;
const EOS = 1;

function stack(cell: CellType, bidirectional: boolean, layers = 2) {
  return { cell, layers, hiddenSize: H, bidirectional };
}

/** Random lengths in [lo, T] per item (at least one item of full length, so T is the batch's longest). */
function lengthsOf(rng: Rng, B: number, T: number, lo: number): Int32Array {
  const l = Int32Array.from({ length: B }, () => lo + rng.int(T - lo + 1));
  l[rng.int(B)] = T;
  return l;
}

function caseFor(shape: ProblemShape, cell: CellType, bidirectional: boolean): ExportCase {
  const base = { dropout: 0, forgetBias: 1, stack: stack(cell, bidirectional) };
  const name = `${cell} ${bidirectional ? 'bidirectional' : 'unidirectional'} ${shape}`;
  switch (shape) {
    case 'one-to-one':
      // 3 features → 2 values (regression): y0 = x0·x1, y1 = x2 − x0.
      return {
        name,
        spec: { ...base, shape, input: { vocabSize: 0, embedSize: 0, featureSize: 3 }, output: { kind: 'values', size: 2 } },
        stateful: false,
        streaming: false,
        lengths: false,
        make: (rng) => {
          const B = 16;
          const features = Float32Array.from({ length: B * 3 }, () => rng.normal());
          const targetValues = new Float32Array(B * 2);
          for (let b = 0; b < B; b++) {
            targetValues[b * 2] = features[b * 3] * features[b * 3 + 1];
            targetValues[b * 2 + 1] = features[b * 3 + 2] - features[b * 3];
          }
          return { batchSize: B, steps: 1, features, targetValues };
        },
      };
    case 'many-to-one':
      // Tokens (V 7) and 2 features per step, padded → 3 classes: (count of token 1 + sign of Σ feature 0) mod 3.
      return {
        name,
        spec: { ...base, shape, input: { vocabSize: 7, embedSize: 5, featureSize: 2 }, output: { kind: 'classes', size: 3 } },
        stateful: false,
        streaming: false,
        lengths: true,
        make: (rng) => {
          const B = 12;
          const T = 9;
          const lengths = lengthsOf(rng, B, T, 3);
          const tokens = Int32Array.from({ length: T * B }, () => rng.int(7));
          const features = Float32Array.from({ length: T * B * 2 }, () => rng.normal());
          const targetClasses = new Int32Array(B);
          for (let b = 0; b < B; b++) {
            let ones = 0;
            let s = 0;
            for (let t = 0; t < lengths[b]; t++) {
              if (tokens[t * B + b] === 1) ones++;
              s += features[(t * B + b) * 2];
            }
            targetClasses[b] = (ones + (s > 0 ? 1 : 0)) % 3;
          }
          return { batchSize: B, steps: T, tokens, features, lengths, targetClasses };
        },
      };
    case 'many-to-many':
      // Tag each token: is it equal to the previous one (0/1), or a 2 (token 0)? Padded.
      return {
        name,
        spec: { ...base, shape, input: { vocabSize: 6, embedSize: 4, featureSize: 0 }, output: { kind: 'classes', size: 3 } },
        stateful: false,
        streaming: false,
        lengths: true,
        make: (rng) => {
          const B = 10;
          const T = 8;
          const lengths = lengthsOf(rng, B, T, 2);
          const tokens = Int32Array.from({ length: T * B }, () => rng.int(6));
          const targetClasses = new Int32Array(T * B).fill(-1);
          for (let b = 0; b < B; b++)
            for (let t = 0; t < lengths[b]; t++) {
              const x = tokens[t * B + b];
              targetClasses[t * B + b] = x === 0 ? 2 : t > 0 && x === tokens[(t - 1) * B + b] ? 1 : 0;
            }
          return { batchSize: B, steps: T, tokens, lengths, targetClasses };
        },
      };
    case 'one-to-many': {
      // A one-hot class (3) → its word over tokens 2..5, then EOS; input per step [previous token | class].
      const words = [[2, 3, 4, 2], [3, 5], [5, 4, 3]];
      return {
        name,
        spec: { ...base, shape, input: { vocabSize: 6, embedSize: 4, featureSize: 3 }, output: { kind: 'classes', size: 6 } },
        stateful: false,
        streaming: true,
        lengths: false,
        make: (rng) => {
          const B = 12;
          const T = 5;
          const tokens = new Int32Array(T * B);
          const features = new Float32Array(T * B * 3);
          const targetClasses = new Int32Array(T * B).fill(-1);
          const lengths = new Int32Array(B);
          for (let b = 0; b < B; b++) {
            const c = rng.int(3);
            const w = words[c];
            lengths[b] = w.length + 1;
            for (let t = 0; t < T; t++) features[(t * B + b) * 3 + c] = 1;
            for (let t = 0; t <= w.length; t++) {
              tokens[t * B + b] = t === 0 ? BOS : w[t - 1];
              targetClasses[t * B + b] = t < w.length ? w[t] : EOS;
            }
          }
          return { batchSize: B, steps: T, tokens, features, lengths, targetClasses };
        },
        generation: () => ({ kind: 'conditional', bos: BOS, eos: EOS, maxLength: 6, samples: 6 }),
      };
    }
    case 'encoder-decoder':
      // Reverse the source (tokens 0..4) into target tokens 2..6; padded sources and targets.
      return {
        name,
        spec: { ...base, shape, input: { vocabSize: 5, embedSize: 4, featureSize: 0 }, output: { kind: 'classes', size: 7 }, decoder: { vocabSize: 7, embedSize: 4 } },
        stateful: false,
        streaming: false,
        lengths: true,
        make: (rng) => {
          const B = 12;
          const T = 5;
          const Td = T + 1;
          const lengths = lengthsOf(rng, B, T, 2);
          const tokens = new Int32Array(T * B);
          const decoderTokens = new Int32Array(Td * B).fill(EOS);
          const decoderLengths = new Int32Array(B);
          const targetClasses = new Int32Array(Td * B).fill(-1);
          for (let b = 0; b < B; b++) {
            const n = lengths[b];
            const src = Array.from({ length: n }, () => rng.int(5));
            src.forEach((s, t) => (tokens[t * B + b] = s));
            const tgt = [...src].reverse().map((s) => s + 2);
            decoderLengths[b] = n + 1;
            decoderTokens[b] = BOS;
            tgt.forEach((s, t) => {
              decoderTokens[(t + 1) * B + b] = s;
              targetClasses[t * B + b] = s;
            });
            targetClasses[n * B + b] = EOS;
          }
          return { batchSize: B, steps: T, tokens, lengths, decoderSteps: Td, decoderTokens, decoderLengths, targetClasses };
        },
        generation: (val) => {
          const sources: Int32Array[] = [];
          for (const b of val) for (let i = 0; i < b.batchSize && sources.length < 8; i++) sources.push(Int32Array.from({ length: b.lengths![i] }, (_, t) => b.tokens![t * b.batchSize + i]));
          return { kind: 'decode', bos: BOS, eos: EOS, maxLength: 7, sources };
        },
      };
  }
}

/** Running text as consecutive chunks of the same streams (truncated BPTT), next-token prediction. */
export function textCase(cell: CellType, streaming: boolean): ExportCase {
  const text = 'the cat sat on the mat. a dog ate the hat. ';
  const vocab = [...new Set(text)].sort();
  const ids = Array.from(text, (c) => vocab.indexOf(c));
  const V = vocab.length;
  let position = 0;
  return {
    name: `${cell} stateful text${streaming ? ' (streaming)' : ''}`,
    spec: { shape: 'many-to-many', input: { vocabSize: V, embedSize: 5, featureSize: 0 }, output: { kind: 'classes', size: V }, stack: stack(cell, false), dropout: 0, forgetBias: 1 },
    stateful: true,
    streaming,
    lengths: false,
    make: () => {
      const B = 3;
      const T = 7;
      const tokens = new Int32Array(T * B);
      const targetClasses = new Int32Array(T * B);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) {
          const i = position + t + b * 17;
          tokens[t * B + b] = ids[i % ids.length];
          targetClasses[t * B + b] = ids[(i + 1) % ids.length];
        }
      position += T;
      return { batchSize: B, steps: T, tokens, targetClasses };
    },
    generation: () => ({ kind: 'next-token', prime: 5, length: 24 }),
  };
}

export const SHAPES: ProblemShape[] = ['one-to-one', 'one-to-many', 'many-to-one', 'many-to-many', 'encoder-decoder'];
/** Every cell of the registry. */
export const CELLS: readonly CellType[] = CELL_TYPES;

/** Every cell × direction × shape (stacked: 2 layers each). */
export function exportCases(): ExportCase[] {
  const out: ExportCase[] = [];
  for (const shape of SHAPES) for (const cell of CELLS) for (const bi of [false, true]) out.push(caseFor(shape, cell, bi));
  // the encoder–decoder with each attention: dot over a unidirectional encoder (it needs D·H = H), general and
  // additive over a bidirectional one
  for (const cell of CELLS)
    for (const [attention, bi] of [['luong-dot', false], ['luong-general', true], ['bahdanau', true]] as const) {
      const c = caseFor('encoder-decoder', cell, bi);
      out.push({ ...c, name: `${c.name} + ${attention} attention`, spec: { ...c.spec, attention } });
      // input feeding (h̃ fed back: the decoder graph's attentional_in / attentional_out, one step per call)
      out.push({ ...c, name: `${c.name} + ${attention} attention + input feeding`, spec: { ...c.spec, attention, inputFeeding: true } });
    }
  return out;
}

/** A TrainingData over a case's generator, with fixed validation batches. */
function memoryData(c: ExportCase, seed: number): { data: TrainingData; validation: Batch[] } {
  let rng = new Rng(seed);
  const valRng = new Rng(seed + 1000);
  const validation = c.stateful ? [] : [c.make(valRng), c.make(valRng)];
  const spec = c.spec;
  const data: TrainingData = {
    model: { shape: spec.shape, input: spec.input, output: spec.output, decoder: spec.decoder },
    stateful: false,
    nextBatch: () => ({ batch: c.make(rng) }),
    validationBatches: () => validation,
    batchesPerEpoch: 1,
    tokensPerBatch: 1,
    createMetrics: () => ({ add() {}, result: () => ({}) }),
    transforms: { kind: 'text', tokens: 'char', vocabulary: [] },
    summary: 'synthetic',
    cursor: () => 0,
    seek: () => {
      rng = new Rng(seed);
    },
  };
  return { data, validation };
}

/** Trains a case briefly (so the weights are not the initial ones) and returns the trainer and its held-out data. */
export function trainCase(kernels: KernelExports, c: ExportCase, steps = 30, seed = 3): { trainer: Trainer; verify: VerifyData } {
  const { data, validation } = memoryData(c, seed);
  const trainer = new Trainer(kernels, c.spec, { ...DEFAULT_TRAIN_SETTINGS, learningRate: 0.02, steps, seed, evaluateEvery: 0, diagnosticsEvery: 0 }, data);
  while (!trainer.finished) trainer.trainStep();
  // Stateful text: held-out chunks continue the streams after training (consecutive chunks of the same streams).
  const batches = c.stateful ? Array.from({ length: 4 }, () => c.make(new Rng(0))) : validation;
  return { trainer, verify: { batches, stateful: c.stateful, generation: c.generation?.(batches) } };
}
