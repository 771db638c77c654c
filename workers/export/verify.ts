// The proof of an export: the exported graphs, loaded in onnxruntime-node, run on held-out data and compared with
// the trainer's own float32 forward (WasmNetwork) on the same data. Reports the largest absolute difference of the
// head outputs (logits or values; final states too where the graph returns them) over every valid step of every
// checked sequence, and for generation models whether greedy decoding gives the same tokens:
//
//   - sequences (every shape): the validation batches, as many as fit `maxSamples` sequences. Padded steps are not
//     compared (they carry no loss in training either). A graph without a `lengths` input gets each group of
//     equal-length items unpadded. Stateful streams (running text) are compared chunk after chunk: with a
//     streaming graph each side carries its own state from chunk to chunk (onnxruntime feeds back its final_h/_c),
//     otherwise each chunk starts from zero state on both sides.
//   - next-token generation (running text): greedy generation from a validation prime, onnxruntime one step at a
//     time with carried state (streaming) or re-running the prefix, against the trainer's generateTokens.
//   - one-to-many: greedy generation from bos with each validation item's conditioning values.
//   - encoder–decoder: greedy decoding of validation sources (encoder graph, then the decoder graph one step at a
//     time with carried state) against the trainer's decodeSequence.
// At each generated step the onnxruntime logits are also compared with the trainer's forward over the same prefix.

import type * as Ort from 'onnxruntime-node';
import { cellInfo } from '../../src-shared/cells';
import type { Batch } from '../engine/batch';
import { headPerStep } from '../engine/batch';
import { decodeSequence, generateTokens } from '../engine/generate';
import type { WasmNetwork } from '../engine/network';
import type { BuiltGraph, GraphRole } from './onnx-graph';

export type OrtModule = typeof Ort;

export interface LoadedGraph {
  built: BuiltGraph;
  session: Ort.InferenceSession;
}

export type GenerationCheck =
  | { kind: 'next-token'; prime: number; length: number }
  | { kind: 'conditional'; bos: number; eos: number; maxLength: number; samples: number }
  | { kind: 'decode'; bos: number; eos: number; maxLength: number; sources: Int32Array[] };

export interface VerifyData {
  batches: Batch[];
  /** Consecutive batches continue the same streams (truncated BPTT). */
  stateful: boolean;
  generation?: GenerationCheck;
}

export interface CheckFigure {
  name: string;
  samples: number;
  rows: number;
  maxAbsDiff: number;
  /** Largest |value| the trainer gave in this check (for scale: an LSTM cell state can grow to tens). */
  maxAbs?: number;
  /**
   * Whether maxAbsDiff counts towards the export's figure: the head outputs (logits / values) do; final states
   * (h, c) are reported beside them, since an LSTM cell state of magnitude 30 carries ulp-level differences of ~1e-5.
   */
  counted: boolean;
}

export interface Verification {
  maxAbsDiff: number;
  /** Held-out sequences compared step by step. */
  checkedSamples: number;
  /** Output rows (steps or sequences) compared. */
  checkedRows: number;
  /** Generation models: every greedy decode gave the same tokens in onnxruntime as in the trainer. */
  tokensAgree?: boolean;
  generation?: { kind: GenerationCheck['kind']; samples: number; tokens: number; agreed: number; maxAbsDiff: number };
  checks: CheckFigure[];
}

type Feeds = Record<string, Ort.Tensor>;

/** Stateful streams: chunks over which onnxruntime feeds back its own final states before taking the trainer's. */
export const OWN_CARRY_CHUNKS = 4;

/** (T, B, W) time-major → (B, T, W) batch-major. */
function batchMajor<A extends Float32Array | Int32Array>(a: A, T: number, B: number, W: number): A {
  const out = new (a.constructor as { new (n: number): A })(T * B * W);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let w = 0; w < W; w++) out[(b * T + t) * W + w] = a[(t * B + b) * W + w];
  return out;
}

const i64 = (a: ArrayLike<number>): BigInt64Array => BigInt64Array.from(Array.from(a), (v) => BigInt(v));

/** Items `items` of a batch, cut to T steps (decoder arrays kept whole). */
function pickItems(batch: Batch, items: number[], T: number): Batch {
  const B = batch.batchSize;
  const n = items.length;
  const take = <A extends Int32Array | Float32Array>(a: A | undefined, steps: number, W: number): A | undefined => {
    if (!a) return undefined;
    const out = new (a.constructor as { new (n: number): A })(steps * n * W);
    for (let t = 0; t < steps; t++) items.forEach((b, i) => out.set(a.subarray((t * B + b) * W, (t * B + b + 1) * W), (t * n + i) * W));
    return out;
  };
  const F = batch.features ? batch.features.length / (batch.steps * B) : 0;
  const Td = batch.decoderSteps ?? 0;
  return {
    batchSize: n,
    steps: T,
    tokens: take(batch.tokens, T, 1),
    features: take(batch.features, T, F),
    lengths: batch.lengths ? Int32Array.from(items, (b) => batch.lengths![b]) : undefined,
    decoderSteps: batch.decoderSteps,
    decoderTokens: take(batch.decoderTokens, Td, 1),
    decoderLengths: batch.decoderLengths ? Int32Array.from(items, (b) => batch.decoderLengths![b]) : undefined,
  };
}

/** A batch without targets or carried state (what the trainer's forward needs to give outputs). */
const bare = (b: Batch): Batch => ({ ...b, targetClasses: undefined, targetValues: undefined, weights: undefined, initialH: undefined, initialC: undefined });

class Diff {
  max = 0;
  rows = 0;
  /** Largest |b| seen (b is the trainer's side). */
  scale = 0;
  add(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, n: number): void {
    for (let k = 0; k < n; k++) {
      const d = Math.abs(a[ai + k] - b[bi + k]);
      // NaN anywhere is a failed comparison, never a silent 0.
      this.max = Number.isNaN(d) ? Infinity : Math.max(this.max, d);
      this.scale = Math.max(this.scale, Math.abs(b[bi + k]));
    }
    this.rows++;
  }
}

export class Verifier {
  private readonly ort: OrtModule;
  private readonly net: WasmNetwork;
  private readonly graphs: Map<GraphRole, LoadedGraph>;

  constructor(ort: OrtModule, net: WasmNetwork, graphs: LoadedGraph[]) {
    this.ort = ort;
    this.net = net;
    this.graphs = new Map(graphs.map((g) => [g.built.role, g]));
  }

  private f32(data: Float32Array, dims: number[]): Ort.Tensor {
    return new this.ort.Tensor('float32', data, dims);
  }

  private async run(role: GraphRole, feeds: Feeds): Promise<Record<string, Float32Array>> {
    const g = this.graphs.get(role)!;
    const out = await g.session.run(feeds);
    const res: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(out)) res[k] = v.data as Float32Array;
    return res;
  }

  private has(role: GraphRole, input: string): boolean {
    return this.graphs.get(role)?.built.inputs.some((i) => i.name === input) ?? false;
  }

  private stateRows(role: GraphRole, name: string): { rows: number; H: number } | undefined {
    const io = this.graphs.get(role)!.built.inputs.find((i) => i.name === name);
    return io ? { rows: Number(io.shape[0]), H: Number(io.shape[2]) } : undefined;
  }

  /** Feeds of the model or encoder graph for a batch (time-major → batch-major). */
  private inputFeeds(role: 'model' | 'encoder', batch: Batch, state?: { h?: Float32Array; c?: Float32Array }): Feeds {
    const { batchSize: B, steps: T } = batch;
    const feeds: Feeds = {};
    for (const io of this.graphs.get(role)!.built.inputs) {
      switch (io.name) {
        case 'tokens':
          feeds.tokens = new this.ort.Tensor('int64', i64(io.shape.length === 1 ? batch.tokens! : batchMajor(batch.tokens!, T, B, 1)), io.shape.length === 1 ? [B] : [B, T]);
          break;
        case 'features': {
          const F = Number(io.shape[io.shape.length - 1]);
          feeds.features = io.shape.length === 2 ? this.f32(batch.features!.slice(0, B * F), [B, F]) : this.f32(batchMajor(batch.features!, T, B, F), [B, T, F]);
          break;
        }
        case 'condition': {
          const F = Number(io.shape[1]);
          feeds.condition = this.f32(batch.features!.slice(0, B * F), [B, F]); // step 0's values (the same at every step)
          break;
        }
        case 'lengths':
          feeds.lengths = new this.ort.Tensor('int32', batch.lengths ? Int32Array.from(batch.lengths) : new Int32Array(B).fill(T), [B]);
          break;
        case 'initial_h':
        case 'initial_c': {
          const { rows, H } = this.stateRows(role, io.name)!;
          const given = io.name === 'initial_h' ? state?.h : state?.c;
          feeds[io.name] = this.f32(given ? Float32Array.from(given) : new Float32Array(rows * B * H), [rows, B, H]);
          break;
        }
        default:
          throw new Error(`no data for graph input ${io.name}`);
      }
    }
    return feeds;
  }

  /** Compares ORT head outputs of items `items` (in ORT's batch order) with the trainer's rows. */
  private compareHead(diff: Diff, ortOut: Float32Array, trainerOut: Float32Array, batch: Batch, items: number[], T: number, perStep: boolean, lengths?: Int32Array): void {
    const O = this.net.layout.spec.output.size;
    const B = batch.batchSize;
    items.forEach((b, i) => {
      if (!perStep) return diff.add(ortOut, i * O, trainerOut, b * O, O);
      const len = lengths ? lengths[b] : T;
      for (let t = 0; t < Math.min(len, T); t++) diff.add(ortOut, (i * T + t) * O, trainerOut, (t * B + b) * O, O);
    });
  }

  /** Groups of items whose graph run needs no `lengths`: all at once when the graph reads lengths or none is padded. */
  private groups(batch: Batch, graphHasLengths: boolean): { items: number[]; T: number }[] {
    const B = batch.batchSize;
    const all = [...Array(B).keys()];
    const lengths = batch.lengths;
    if (!lengths || graphHasLengths || lengths.every((n) => n === batch.steps)) return [{ items: all, T: batch.steps }];
    const byLen = new Map<number, number[]>();
    all.forEach((b) => byLen.set(lengths[b], [...(byLen.get(lengths[b]) ?? []), b]));
    return [...byLen].map(([T, items]) => ({ items, T }));
  }

  /** Teacher-forced / whole-sequence comparison over the validation batches. */
  async sequences(data: VerifyData, maxSamples: number): Promise<CheckFigure[]> {
    const spec = this.net.layout.spec;
    const diff = new Diff();
    const stateDiff = new Diff();
    let samples = 0;
    const encdec = spec.shape === 'encoder-decoder';
    const role = encdec ? 'encoder' : 'model';
    const streaming = this.has(role, 'initial_h');
    const chained = data.stateful && streaming && !encdec;
    const perStep = headPerStep(spec.shape);
    let trainerCarry: { h: Float32Array; c?: Float32Array } | undefined;
    let ortCarry: { h?: Float32Array; c?: Float32Array } | undefined;
    let chunk = 0;
    for (const original of data.batches) {
      if (samples >= maxSamples) break;
      const batch = bare(original);
      if (chained && trainerCarry) {
        batch.initialH = trainerCarry.h;
        batch.initialC = trainerCarry.c;
        // onnxruntime carries its own final_h/_c over the first chunks (the wiring a deployer relies on); after
        // that it starts each chunk from the trainer's state, so float32 rounding does not compound over
        // thousands of steps and the figure measures the export, not the length of the stream.
        if (chunk >= OWN_CARRY_CHUNKS) ortCarry = trainerCarry;
      }
      chunk++;
      this.net.forward(batch);
      const trainerOut = this.net.outputs();
      const trainerStates = streaming ? this.net.finalStates() : undefined;
      if (chained) trainerCarry = trainerStates;
      const Tsteps = encdec ? batch.decoderSteps! : batch.steps;
      const rowLengths = encdec ? batch.decoderLengths : batch.lengths;
      for (const { items, T } of this.groups(batch, this.has(role, 'lengths'))) {
        const sub = items.length === batch.batchSize && T === batch.steps ? batch : pickItems(batch, items, T);
        const out = await this.run(role, this.inputFeeds(role, sub, chained ? ortCarry : undefined));
        if (encdec) {
          const srcLengths = sub.lengths ? Int32Array.from(sub.lengths) : new Int32Array(items.length).fill(sub.steps);
          const source = { memory: out.memory, lengths: srcLengths, steps: sub.steps };
          const logits = this.has('decoder', 'attentional_in')
            ? await this.decodeFed(sub.decoderTokens!, Tsteps, items.length, out.final_h, out.final_c, source)
            : (await this.run('decoder', this.decoderFeeds(sub.decoderTokens!, Tsteps, items.length, out.final_h, out.final_c, source))).logits;
          this.compareHead(diff, logits, trainerOut, batch, items, Tsteps, true, rowLengths);
          continue;
        }
        this.compareHead(diff, out.logits ?? out.values, trainerOut, batch, items, perStep ? T : 1, perStep, rowLengths);
        if (streaming && trainerStates) {
          // Final states: (rows, B, H), item b of the full batch against item i of this run.
          const { rows, H } = this.stateRows(role, 'initial_h')!;
          const n = items.length;
          for (const [mine, theirs] of [
            [out.final_h, trainerStates.h],
            [out.final_c, trainerStates.c],
          ] as const)
            if (mine && theirs) for (let r = 0; r < rows; r++) items.forEach((b, i) => stateDiff.add(mine, (r * n + i) * H, theirs, (r * batch.batchSize + b) * H, H));
          if (chained) ortCarry = { h: out.final_h, c: out.final_c };
        }
      }
      samples += batch.batchSize;
    }
    const name = chained ? `validation streams, state carried chunk to chunk (onnxruntime's own for the first ${OWN_CARRY_CHUNKS} chunks)` : encdec ? 'validation pairs, teacher-forced' : 'validation sequences';
    const out: CheckFigure[] = [{ name: `${name}: ${spec.output.kind === 'classes' ? 'logits' : 'values'}`, samples, rows: diff.rows, maxAbsDiff: diff.max, maxAbs: diff.scale, counted: true }];
    if (stateDiff.rows) out.push({ name: `${name}: final states (${cellInfo(spec.stack.cell).states.join(', ')})`, samples, rows: stateDiff.rows, maxAbsDiff: stateDiff.max, maxAbs: stateDiff.scale, counted: false });
    return out;
  }

  /**
   * Input feeding: the decoder graph takes one step per call (h̃ of the previous step in attentional_in, zeros first),
   * so a teacher-forced sequence runs step by step, carrying final_h/_c and attentional_out. Logits [B, Td, O].
   */
  private async decodeFed(tokens: Int32Array, Td: number, B: number, h: Float32Array, c: Float32Array | undefined, source: { memory?: Float32Array; lengths: Int32Array; steps: number }): Promise<Float32Array> {
    const O = this.net.layout.spec.output.size;
    const logits = new Float32Array(B * Td * O);
    let a: Float32Array | undefined;
    for (let t = 0; t < Td; t++) {
      const out = await this.run('decoder', this.decoderFeeds(tokens.subarray(t * B, (t + 1) * B), 1, B, h, c, source, a));
      for (let b = 0; b < B; b++) logits.set(out.logits.subarray(b * O, (b + 1) * O), (b * Td + t) * O);
      h = out.final_h;
      c = out.final_c;
      a = out.attentional_out;
    }
    return logits;
  }

  /**
   * Feeds of the decoder graph; `source`: the encoder graph's memory [B, steps, S] and the source lengths (attention);
   * `a`: input feeding's h̃ of the previous step [B, Hd] (zeros when absent: the first step).
   */
  private decoderFeeds(tokens: Int32Array, Td: number, B: number, h: Float32Array, c: Float32Array | undefined, source?: { memory?: Float32Array; lengths: Int32Array; steps: number }, a?: Float32Array): Feeds {
    const { rows, H } = this.stateRows('decoder', 'initial_h')!;
    const feeds: Feeds = {
      tokens: new this.ort.Tensor('int64', i64(batchMajor(tokens, Td, B, 1)), [B, Td]),
      initial_h: this.f32(Float32Array.from(h), [rows, B, H]),
    };
    if (this.has('decoder', 'initial_c')) feeds.initial_c = this.f32(Float32Array.from(c!), [rows, B, H]);
    if (this.has('decoder', 'memory')) {
      if (!source?.memory) throw new Error('the decoder graph attends over memory, but the encoder graph gave none');
      feeds.memory = this.f32(Float32Array.from(source.memory), [B, source.steps, source.memory.length / (B * source.steps)]);
      feeds.source_lengths = new this.ort.Tensor('int32', Int32Array.from(source.lengths), [B]);
    }
    if (this.has('decoder', 'attentional_in')) {
      const Hd = this.net.layout.attention!.Hd;
      feeds.attentional_in = this.f32(a ? Float32Array.from(a) : new Float32Array(B * Hd), [B, Hd]);
    }
    return feeds;
  }

  /** The trainer's logits for the last step of a prefix (a fresh forward over the whole prefix). */
  private trainerLast(batch: Batch, rows: number): Float32Array {
    this.net.forward(batch);
    const O = this.net.layout.spec.output.size;
    return this.net.outputs().subarray((rows - 1) * O, rows * O);
  }

  /** Greedy generation in onnxruntime beside the trainer's. */
  async generation(check: GenerationCheck, data: VerifyData): Promise<NonNullable<Verification['generation']>> {
    const O = this.net.layout.spec.output.size;
    const argmax = (a: Float32Array, off: number): number => {
      let best = 0;
      for (let j = 1; j < O; j++) if (a[off + j] > a[off + best]) best = j;
      return best;
    };
    const diff = new Diff();
    let samples = 0;
    let tokens = 0;
    let agreed = 0;
    const tally = (mine: number[], theirs: Int32Array): void => {
      samples++;
      tokens += theirs.length;
      if (mine.length === theirs.length && mine.every((t, i) => t === theirs[i])) agreed++;
    };

    if (check.kind === 'next-token') {
      const first = data.batches[0];
      if (!first?.tokens) return { kind: check.kind, samples: 0, tokens: 0, agreed: 0, maxAbsDiff: 0 };
      const n = Math.min(check.prime, first.steps);
      const prime = Int32Array.from({ length: n }, (_, t) => first.tokens![t * first.batchSize]);
      const theirs = generateTokens(this.net, prime, check.length, { temperature: 0 });
      const streaming = this.has('model', 'initial_h');
      const prefix = Array.from(prime);
      const mine: number[] = [];
      let state: { h?: Float32Array; c?: Float32Array } | undefined;
      let feed = Array.from(prime);
      for (let i = 0; i < check.length; i++) {
        const step = { batchSize: 1, steps: feed.length, tokens: Int32Array.from(feed) };
        const out = await this.run('model', this.inputFeeds('model', step, state));
        const last = (feed.length - 1) * O;
        diff.add(out.logits, last, this.trainerLast({ batchSize: 1, steps: prefix.length, tokens: Int32Array.from(prefix) }, prefix.length), 0, O);
        const tok = argmax(out.logits, last);
        mine.push(tok);
        prefix.push(tok);
        if (streaming) {
          state = { h: out.final_h, c: out.final_c };
          feed = [tok];
        } else feed = prefix.slice();
      }
      tally(mine, theirs);
    } else if (check.kind === 'conditional') {
      const F = this.net.layout.spec.input.featureSize;
      const conditions: Float32Array[] = [];
      for (const b of data.batches) for (let i = 0; i < b.batchSize && conditions.length < check.samples; i++) conditions.push(b.features!.slice(i * F, (i + 1) * F));
      for (const cond of conditions) {
        const theirs = generateTokens(this.net, Int32Array.of(check.bos), check.maxLength, { temperature: 0, features: cond, stopToken: check.eos });
        const mine: number[] = [];
        let prev = check.bos;
        let state: { h?: Float32Array; c?: Float32Array } | undefined;
        let trainerState: { h: Float32Array; c?: Float32Array } | undefined;
        for (let i = 0; i < check.maxLength; i++) {
          const step: Batch = { batchSize: 1, steps: 1, tokens: Int32Array.of(prev), features: cond };
          const out = await this.run('model', this.inputFeeds('model', step, state));
          // The trainer one step at a time with its own carried state, as generateTokens runs it.
          this.net.forward({ ...step, initialH: trainerState?.h, initialC: trainerState?.c });
          diff.add(out.logits, 0, this.net.outputs(), 0, O);
          trainerState = this.net.finalStates();
          const tok = argmax(out.logits, 0);
          mine.push(tok);
          if (tok === check.eos) break;
          prev = tok;
          state = { h: out.final_h, c: out.final_c };
        }
        tally(mine, theirs);
      }
    } else {
      for (const source of check.sources) {
        const theirs = decodeSequence(this.net, source, { bos: check.bos, eos: check.eos, maxLength: check.maxLength, temperature: 0 });
        const enc = await this.run('encoder', this.inputFeeds('encoder', { batchSize: 1, steps: source.length, tokens: source }));
        let h = enc.final_h;
        let c = enc.final_c;
        let a: Float32Array | undefined; // input feeding's h̃, zeros at the first step
        const prefix = [check.bos];
        const mine: number[] = [];
        for (let i = 0; i < check.maxLength; i++) {
          const out = await this.run('decoder', this.decoderFeeds(Int32Array.of(prefix[prefix.length - 1]), 1, 1, h, c, { memory: enc.memory, lengths: Int32Array.of(source.length), steps: source.length }, a));
          a = out.attentional_out;
          const trainer = this.trainerLast({ batchSize: 1, steps: source.length, tokens: source, decoderSteps: prefix.length, decoderTokens: Int32Array.from(prefix) }, prefix.length);
          diff.add(out.logits, 0, trainer, 0, O);
          const tok = argmax(out.logits, 0);
          mine.push(tok);
          if (tok === check.eos) break;
          prefix.push(tok);
          h = out.final_h;
          c = out.final_c;
        }
        tally(mine, theirs);
      }
    }
    return { kind: check.kind, samples, tokens, agreed, maxAbsDiff: diff.max };
  }
}

/** Runs every check of an export. */
export async function verifyExport(ort: OrtModule, net: WasmNetwork, graphs: LoadedGraph[], data: VerifyData, opts: { maxSamples?: number } = {}): Promise<Verification> {
  const v = new Verifier(ort, net, graphs);
  const checks = await v.sequences(data, opts.maxSamples ?? 512);
  const result: Verification = { maxAbsDiff: 0, checkedSamples: checks[0].samples, checkedRows: checks[0].rows, checks };
  if (data.generation) {
    const gen = await v.generation(data.generation, data);
    checks.push({ name: `greedy ${gen.kind === 'decode' ? 'decoding' : 'generation'}: logits at every step`, samples: gen.samples, rows: gen.tokens, maxAbsDiff: gen.maxAbsDiff, counted: true });
    result.generation = gen;
    result.tokensAgree = gen.samples > 0 && gen.agreed === gen.samples;
  }
  result.maxAbsDiff = Math.max(...checks.filter((c) => c.counted).map((c) => c.maxAbsDiff));
  return result;
}
