// Encoder–decoder decoding in onnxruntime-node over an export's two graphs — the encoder, then the one-step decoder
// with its state carried — searched by the engine's own greedy and beam search (engine/generate.ts:
// greedySearchAsync / beamSearchAsync are the same coroutines as greedySearch / beamSearch, driven by an asynchronous
// step), so onnxruntime and our engine decode by one implementation of the search. `bench --generate` times it
// beside our engine.
//
// Nothing about the decoder is hard-wired beyond the graphs' own metadata (session.inputMetadata/outputMetadata):
//   - `tokens` [batch, seq]: the hypotheses' last tokens, one step (seq = 1);
//   - every input initial_X with an output final_X, and every X_in with an output X_out (input feeding's
//     attentional_in/_out), is carried state: a hypothesis starts from the encoder's output final_X where the encoder
//     has one (initial_h/_c), else from zeros; each step's output is the next step's input;
//   - every other input is the source's: an encoder output of the same name (memory), or `source_lengths`;
//   - each input's batch axis is its dimension named "batch". A step runs all live hypotheses as one batch of rows
//     (the source's inputs repeated per row), as our engine's decodeStep does, and splits the state back per row.
// So a decoder graph that gains a state input (another initial_X / final_X or X_in / X_out pair) decodes here unchanged.

import type * as Ort from 'onnxruntime-node';
import { beamSearchAsync, greedySearchAsync, logSoftmaxRows, type AsyncDecodeStep, type BeamOptions, type Hypothesis, type SearchOptions } from '../engine/generate';
import type { OrtModule } from './verify';

/** One hypothesis's carried decoder state: each state input's value for one row (batch 1), by input name. */
export type OrtRowState = Record<string, Float32Array>;

interface InputInfo {
  name: string;
  type: Ort.Tensor.Type;
  /** The metadata's shape; symbolic dimensions as their names. */
  shape: ReadonlyArray<number | string>;
  /** Index of the "batch" dimension. */
  batchAxis: number;
}

function inputInfo(session: Ort.InferenceSession, role: string): Map<string, InputInfo> {
  const out = new Map<string, InputInfo>();
  for (const m of session.inputMetadata) {
    if (!m.isTensor) throw new Error(`the ${role} graph's input ${m.name} is not a tensor`);
    const batchAxis = m.shape.indexOf('batch');
    if (batchAxis < 0) throw new Error(`the ${role} graph's input ${m.name} has no "batch" dimension (shape [${m.shape.join(', ')}])`);
    out.set(m.name, { name: m.name, type: m.type, shape: m.shape, batchAxis });
  }
  return out;
}

/** (outer, inner) sizes around the batch axis of a one-row tensor of `dims`. */
function around(dims: readonly number[], axis: number): { outer: number; inner: number } {
  let outer = 1;
  let inner = 1;
  dims.forEach((d, i) => {
    if (i < axis) outer *= d;
    else if (i > axis) inner *= d;
  });
  return { outer, inner };
}

/** The encoder and one-step decoder of an encoder–decoder export, in onnxruntime-node. */
export class OrtEncoderDecoder {
  private readonly enc: Map<string, InputInfo>;
  private readonly dec: Map<string, InputInfo>;
  /** Decoder state inputs (initial_X with an output final_X), and the outputs that feed them back. */
  readonly carried: { input: string; output: string }[];
  /** Decoder inputs read from the source: encoder outputs of the same name, or source_lengths. */
  readonly sourceInputs: string[];
  private readonly fetches: string[];
  /** One-row dims of each carried input (the first output seen; before that the metadata's, symbols as 1). */
  private readonly rowDims = new Map<string, number[]>();

  constructor(
    private readonly ort: OrtModule,
    readonly encoder: Ort.InferenceSession,
    readonly decoder: Ort.InferenceSession,
  ) {
    this.enc = inputInfo(encoder, 'encoder');
    this.dec = inputInfo(decoder, 'decoder');
    if (!this.dec.has('tokens')) throw new Error('the decoder graph has no tokens input');
    if (!decoder.outputNames.includes('logits')) throw new Error('the decoder graph has no logits output');
    this.carried = [...this.dec.keys()].flatMap((n) => {
      const output = n.startsWith('initial_') ? `final_${n.slice(8)}` : n.endsWith('_in') ? `${n.slice(0, -3)}_out` : undefined;
      return output && decoder.outputNames.includes(output) ? [{ input: n, output }] : [];
    });
    const carriedNames = new Set(this.carried.map((c) => c.input));
    this.sourceInputs = [...this.dec.keys()].filter((n) => n !== 'tokens' && !carriedNames.has(n));
    for (const n of this.sourceInputs)
      if (n !== 'source_lengths' && !encoder.outputNames.includes(n)) throw new Error(`the decoder graph's input ${n} is neither carried state (an initial_X with a final_X output, or an X_in with an X_out), an encoder output, nor source_lengths`);
    this.fetches = ['logits', ...this.carried.map((c) => c.output)];
  }

  private intTensor(info: InputInfo, values: ArrayLike<number>, dims: number[]): Ort.Tensor {
    if (info.type === 'int64') return new this.ort.Tensor('int64', BigInt64Array.from(Array.from(values), (v) => BigInt(v)), dims);
    if (info.type === 'int32') return new this.ort.Tensor('int32', Int32Array.from(values), dims);
    throw new Error(`input ${info.name}: expected an integer tensor, the graph says ${info.type}`);
  }

  /**
   * Runs the encoder on one source and returns the decoder's start state and step for it (the search's inputs):
   * the step takes R hypotheses' states and last tokens, runs them as one batch of R rows, and answers their
   * log-probabilities (R, V) and next states.
   */
  async decoderFor(source: Int32Array): Promise<{ start: OrtRowState; step: AsyncDecodeStep<OrtRowState> }> {
    if (source.length === 0) throw new Error('decoding needs a source of at least one token');
    const tokensInfo = this.enc.get('tokens');
    if (!tokensInfo) throw new Error('the encoder graph has no tokens input');
    const feeds: Record<string, Ort.Tensor> = { tokens: this.intTensor(tokensInfo, source, [1, source.length]) };
    const lengths = this.enc.get('lengths');
    if (lengths) feeds.lengths = this.intTensor(lengths, [source.length], [1]);
    for (const name of this.enc.keys()) if (!(name in feeds)) throw new Error(`the encoder graph's input ${name} is not one this decoder knows how to feed`);
    const encoded = await this.encoder.run(feeds);

    // The source's inputs for one row, then repeated for R rows (kept per R: a beam's width is reused every step).
    const oneRow = new Map<string, { data: Float32Array | Int32Array | BigInt64Array; dims: number[]; info: InputInfo }>();
    for (const name of this.sourceInputs) {
      const info = this.dec.get(name)!;
      if (name === 'source_lengths' && !encoded[name]) {
        const t = this.intTensor(info, [source.length], [1]);
        oneRow.set(name, { data: t.data as Int32Array | BigInt64Array, dims: [1], info });
      } else {
        const t = encoded[name] as Ort.Tensor;
        oneRow.set(name, { data: t.data as Float32Array, dims: [...t.dims], info });
      }
    }
    const sourceFeeds = new Map<number, Record<string, Ort.Tensor>>();
    const sourceFor = (R: number): Record<string, Ort.Tensor> => {
      let f = sourceFeeds.get(R);
      if (f) return f;
      f = {};
      for (const [name, v] of oneRow) {
        const { outer, inner } = around(v.dims, v.info.batchAxis);
        const data = new (v.data.constructor as { new (n: number): Float32Array | Int32Array | BigInt64Array })(outer * R * inner);
        for (let o = 0; o < outer; o++) for (let r = 0; r < R; r++) data.set(v.data.subarray(o * inner, (o + 1) * inner) as never, (o * R + r) * inner);
        const dims = [...v.dims];
        dims[v.info.batchAxis] = R;
        f[name] = new this.ort.Tensor(v.info.type as 'float32', data as Float32Array, dims);
      }
      sourceFeeds.set(R, f);
      return f;
    };

    // The start state: the encoder's final_X for initial_X where it has one, else zeros of the input's one-row shape.
    const start: OrtRowState = {};
    for (const { input } of this.carried) {
      const fromEncoder = (input.startsWith('initial_') ? encoded[`final_${input.slice(8)}`] : undefined) as Ort.Tensor | undefined;
      if (fromEncoder) {
        start[input] = Float32Array.from(fromEncoder.data as Float32Array);
        if (!this.rowDims.has(input)) this.rowDims.set(input, [...fromEncoder.dims]);
      } else {
        const info = this.dec.get(input)!;
        const dims = this.rowDims.get(input) ?? info.shape.map((d) => (typeof d === 'number' ? d : 1));
        start[input] = new Float32Array(dims.reduce((a, b) => a * b, 1));
      }
    }

    const tokensIn = this.dec.get('tokens')!;
    const step: AsyncDecodeStep<OrtRowState> = async (states, tokens) => {
      const R = states.length;
      const f: Record<string, Ort.Tensor> = { ...sourceFor(R), tokens: this.intTensor(tokensIn, tokens, [R, 1]) };
      for (const { input } of this.carried) {
        const info = this.dec.get(input)!;
        const dims = this.rowDims.get(input) ?? info.shape.map((d) => (typeof d === 'number' ? d : 1));
        const { outer, inner } = around(dims, info.batchAxis);
        const data = new Float32Array(outer * R * inner);
        states.forEach((s, r) => {
          const a = s[input];
          for (let o = 0; o < outer; o++) data.set(a.subarray(o * inner, (o + 1) * inner), (o * R + r) * inner);
        });
        const packed = [...dims];
        packed[info.batchAxis] = R;
        f[input] = new this.ort.Tensor('float32', data, packed);
      }
      const out = await this.decoder.run(f, this.fetches);
      const logits = out.logits.data as Float32Array;
      const V = logits.length / R;
      const next: OrtRowState[] = states.map(() => ({}));
      for (const { input, output } of this.carried) {
        const t = out[output] as Ort.Tensor;
        const info = this.dec.get(input)!;
        const dims = [...t.dims];
        dims[info.batchAxis] = 1;
        if (!this.rowDims.has(input)) this.rowDims.set(input, dims);
        const { outer, inner } = around(dims, info.batchAxis);
        const data = t.data as Float32Array;
        for (let r = 0; r < R; r++) {
          const row = new Float32Array(outer * inner);
          for (let o = 0; o < outer; o++) row.set(data.subarray((o * R + r) * inner, (o * R + r + 1) * inner), o * inner);
          next[r][input] = row;
        }
      }
      return { logProbs: logSoftmaxRows(logits, R, V), states: next };
    };
    return { start, step };
  }

  /** Greedy decoding of one source (the engine's greedySearch, onnxruntime's steps). */
  async greedy(source: Int32Array, opts: SearchOptions): Promise<Hypothesis> {
    const { start, step } = await this.decoderFor(source);
    return greedySearchAsync(step, start, opts);
  }

  /** Beam search of one source (the engine's beamSearch, onnxruntime's steps): the best `width`, best first. */
  async beam(source: Int32Array, opts: BeamOptions): Promise<Hypothesis[]> {
    const { start, step } = await this.decoderFor(source);
    return beamSearchAsync(step, start, opts);
  }

  async release(): Promise<void> {
    await this.encoder.release();
    await this.decoder.release();
  }
}
