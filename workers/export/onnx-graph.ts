// ONNX graphs of a trained model, built from its ModelSpec and flat float32 parameters (layout.ts names), with the
// standard recurrent operators RNN / LSTM / GRU (opset 17, IR 8). What each shape becomes:
//
//   one-to-one      tokens [batch] and/or features [batch, F]                  → logits|values [batch, O]
//   many-to-one     tokens [batch, seq] and/or features [batch, seq, F] (+ lengths [batch])  → [batch, O]
//   many-to-many    the same inputs                                            → logits|values [batch, seq, O]
//   one-to-many     tokens [batch, seq] (previous token), condition [batch, F],
//                   initial_h/_c → logits [batch, seq, O], final_h/_c          (a step graph: seq = 1 to generate)
//   encoder–decoder "encoder": source tokens [batch, seq] (+ lengths) → final_h/_c [layers, batch, H]
//                   (a bidirectional encoder's two directions summed, as the trainer hands them to its decoder);
//                   "decoder": tokens [batch, seq], initial_h/_c → logits [batch, seq, O], final_h/_c
//                   (input feeding: also attentional_in → attentional_out [batch, H], h̃, and seq = 1)
//   --streaming     adds initial_h/_c inputs and final_h/_c outputs [layers·directions, batch, H] (index
//                   layer·D + direction, the trainer's own carried-state layout) to the first three shapes.
// Classes also get `probabilities` (softmax of the logits). Values are in normalised units (sidecar: mean, std).
//
// Facts followed (notes/onnx-recurrent.md): the operator, gate order and attributes of each cell come from the cell
// registry (src-shared/cells.ts: LSTM i f g o → i o f c, GRU r z n → z r h with linear_before_reset = 1, the
// trainer's GRU being PyTorch's; peepholes as P [D, 3·H] in the order i, o, f); W [D, G·H, In], R [D, G·H, H],
// B [D, 2·G·H] = [input biases | recurrent biases] kept apart; layout 0 (time-major) with Transposes around the
// stack, because onnxruntime does not run layout = 1; initial states left out unless streaming (zero by default,
// and batch stays dynamic); sequence_lens int32; many-to-one reads Y_h (each item's last valid step; for the
// reverse direction the state after reading the whole sequence), never Y[-1]; directions joined [fwd | bwd] by
// Transpose [0,2,1,3] + Reshape [0,0,-1]; Squeeze/Unsqueeze/ReduceSum take axes as inputs (opset 13+);
// Softmax axis −1.

import { type ModelSpec } from '../../src-shared/model';
import { CELL_GATES, type CellType, cellInfo, hasCellState } from '../../src-shared/cells';
import type { AttentionLayout, ParamLayout, StackLayout, TensorSlot } from '../engine/layout';
import { DataType, leBytes, type Attribute, type ElemType, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfo } from './onnx-proto';

export const OPSET = 17;
export const IR_VERSION = 8;

export type GraphRole = 'model' | 'encoder' | 'decoder';

/** A graph input or output as a deployer feeds or reads it. */
export interface TensorIO {
  name: string;
  type: 'float32' | 'int64' | 'int32';
  /** Numbers are fixed; "batch" and "seq" are dynamic. */
  shape: (number | string)[];
  description: string;
}

export interface BuiltGraph {
  role: GraphRole;
  graph: GraphProto;
  inputs: TensorIO[];
  outputs: TensorIO[];
}

export interface GraphOptions {
  /** initial_h/_c inputs and final_h/_c outputs on the (only) stack. Always on for one-to-many. */
  streaming: boolean;
  /** A `lengths` int32 [batch] input wired to sequence_lens (padded batches); not for one-to-one or step graphs. */
  lengths: boolean;
}

/** The operator's order of `symbols` (its gates, or its peepholes) as indices into the trainer's blocks `from`. */
function order(symbols: readonly string[], from: readonly string[]): number[] {
  return symbols.map((s) => {
    const i = from.indexOf(s);
    if (i < 0) throw new Error(`the cell registry maps "${s}" to ONNX but the cell has no such gate (${from.join(' ')})`);
    return i;
  });
}

/** Which graphs an export of this spec has, and whether its stack carries explicit state. */
export function exportPlan(spec: ModelSpec, streaming: boolean): { roles: GraphRole[]; streaming: boolean } {
  if (spec.shape === 'encoder-decoder') return { roles: ['encoder', 'decoder'], streaming: true };
  const oneToManyStep = spec.shape === 'one-to-many' && spec.input.vocabSize > 0;
  return { roles: ['model'], streaming: streaming || oneToManyStep };
}

// ============================================== graph builder =====================================================

const TYPE_OF: Record<TensorIO['type'], ElemType> = { float32: DataType.FLOAT, int64: DataType.INT64, int32: DataType.INT32 };

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: TensorIO[] = [];
  readonly outputs: TensorIO[] = [];
  private readonly names = new Set<string>();
  private readonly counts = new Map<string, number>();

  private fresh(base: string): string {
    let k = this.counts.get(base) ?? 0;
    let name: string;
    do name = `${base}_${k++}`;
    while (this.names.has(name));
    this.counts.set(base, k);
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph: the name ${name} is defined twice`);
    this.names.add(name);
    return name;
  }

  input(io: TensorIO): string {
    this.inputs.push(io);
    return this.claim(io.name);
  }

  /** Marks an existing value as a graph output (renamed through Identity when it already has another name). */
  output(value: string, io: TensorIO): void {
    if (value !== io.name) this.node('Identity', [value], { outputs: [io.name] });
    this.outputs.push(io);
  }

  float(name: string, dims: number[], data: Float32Array, doc?: string): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initialiser ${name}: ${data.length} values for dims [${dims}]`);
    this.initializers.push({ name: this.claim(name), dims, dataType: DataType.FLOAT, raw: leBytes(data), docString: doc });
    return name;
  }

  /** An int64 scalar constant (Range's bounds), shared by name. */
  scalar(value: number): string {
    const name = `const.i64.scalar(${value})`;
    if (!this.names.has(name)) this.initializers.push({ name: this.claim(name), dims: [], dataType: DataType.INT64, raw: leBytes(BigInt64Array.of(BigInt(value))) });
    return name;
  }

  /** An int64 constant (axes, shapes, starts…), shared by name. */
  ints(values: number[]): string {
    const name = `const.i64[${values.join(',')}]`;
    if (!this.names.has(name)) this.initializers.push({ name: this.claim(name), dims: [values.length], dataType: DataType.INT64, raw: leBytes(BigInt64Array.from(values, (v) => BigInt(v))) });
    return name;
  }

  /**
   * Adds a node. `outputs`: explicit names ("" skips an optional output), or a count of fresh names. Returns the
   * output names.
   */
  node(op: string, inputs: string[], opts: { outputs?: string[] | number; attrs?: Attribute[]; name?: string; doc?: string } = {}): string[] {
    const outs = Array.isArray(opts.outputs) ? opts.outputs.map((o) => (o === '' ? '' : this.claim(o))) : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(op));
    let trimmed = inputs;
    while (trimmed.length && trimmed[trimmed.length - 1] === '') trimmed = trimmed.slice(0, -1);
    this.nodes.push({ opType: op, name: opts.name ? this.fresh(opts.name) : this.fresh(`node.${op}`), inputs: trimmed, outputs: outs, attributes: opts.attrs ?? [], docString: opts.doc });
    return outs;
  }

  one(op: string, inputs: string[], attrs?: Attribute[], name?: string): string {
    return this.node(op, inputs, { attrs, name })[0];
  }

  build(name: string, doc: string): GraphProto {
    const vi = (io: TensorIO): ValueInfo => ({ name: io.name, elemType: TYPE_OF[io.type], shape: io.shape, docString: io.description });
    return { name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs.map(vi), outputs: this.outputs.map(vi), docString: doc };
  }
}

const ints = (name: string, value: number[]): Attribute => ({ name, type: 'ints', value });
const int = (name: string, value: number): Attribute => ({ name, type: 'int', value });

// ============================================== weights ===========================================================

/** The rows of a (G·H, cols) tensor with its gate blocks in ONNX order. */
export function reorderGates(src: Float32Array, cell: CellType, H: number, cols: number): Float32Array {
  return reorderBlocks(src, order(cellInfo(cell).onnx.gates, CELL_GATES[cell]), H * cols);
}

/** Blocks of `size` floats taken in `order` (block i of the result is block order[i] of src). */
function reorderBlocks(src: Float32Array, order: number[], size: number): Float32Array {
  const out = new Float32Array(src.length);
  order.forEach((from, to) => out.set(src.subarray(from * size, (from + 1) * size), to * size));
  return out;
}

const slice = (params: Float32Array, s: TensorSlot): Float32Array => params.subarray(s.offset, s.offset + s.size);

function transpose2(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

// ============================================== pieces ============================================================

interface StackOut {
  /** [seq, batch, D·H], time-major: [fwd | bwd] per step (only when asked for). */
  top?: string;
  /** Per layer, Y_h [D, batch, H]. */
  finalH: string[];
  /** Per layer, Y_c [D, batch, H] (cells with a cell state). */
  finalC: string[];
}

/**
 * One recurrent operator per layer. x: [seq, batch, In] time-major. seqLens: int32 [batch] or ''. initH/initC:
 * [L·D, batch, H] or ''.
 */
function recurrentStack(g: GraphBuilder, st: StackLayout, params: Float32Array, prefix: string, x: string, seqLens: string, initH: string, initC: string, needTop: boolean): StackOut {
  const { cell, layers: L, directions: D, hiddenSize: H, gates: G } = st;
  const { onnx, peepholes } = cellInfo(cell);
  const gateNames = onnx.letters;
  const op = onnx.operator;
  const withC = hasCellState(cell);
  const peepOrder = peepholes && onnx.peepholes ? order(onnx.peepholes, peepholes) : undefined;
  const out: StackOut = { finalH: [], finalC: [] };
  const dirWord = D === 2 ? '[forward, reverse]' : '[forward]';
  const trainerGates = CELL_GATES[cell].join(' ');
  for (let l = 0; l < L; l++) {
    const In = st.inputSizes[l];
    const W = new Float32Array(D * G * H * In);
    const R = new Float32Array(D * G * H * H);
    const B = new Float32Array(D * 2 * G * H);
    const P = peepOrder ? new Float32Array(D * peepOrder.length * H) : undefined;
    for (let d = 0; d < D; d++) {
      const c = st.cells[l][d];
      W.set(reorderGates(slice(params, c.Wx), cell, H, In), d * G * H * In);
      R.set(reorderGates(slice(params, c.Wh), cell, H, H), d * G * H * H);
      B.set(reorderGates(slice(params, c.bx), cell, H, 1), d * 2 * G * H);
      B.set(reorderGates(slice(params, c.bh), cell, H, 1), d * 2 * G * H + G * H);
      if (P && peepOrder) P.set(reorderBlocks(slice(params, c.P!), peepOrder, H), d * peepOrder.length * H);
    }
    const p = `${prefix}l${l}.`;
    const from = `from ${prefix}l${l}${D === 2 ? '/' + prefix + 'l' + l + 'r' : ''}`;
    const w = g.float(`${p}W_${gateNames}`, [D, G * H, In], W, `${op} input weights W ${dirWord}, gate blocks ${gateNames} (ONNX order; the trainer's ${trainerGates}), ${from}.Wx`);
    const r = g.float(`${p}R_${gateNames}`, [D, G * H, H], R, `${op} recurrent weights R ${dirWord}, gate blocks ${gateNames}, ${from}.Wh`);
    const b = g.float(`${p}B_${gateNames}`, [D, 2 * G * H], B, `${op} biases ${dirWord}: [input biases ${gateNames} | recurrent biases ${gateNames}], ${from}.bx and .bh`);
    const peep = P && onnx.peepholes ? g.float(`${p}P_${onnx.peepholes.join('')}`, [D, onnx.peepholes.length * H], P, `${op} peepholes P ${dirWord}, blocks ${onnx.peepholes.join(' ')} (ONNX order; the trainer's ${peepholes!.join(' ')}), ${from}.P`) : '';
    const stateSlice = (s: string): string => (s === '' ? '' : L === 1 ? s : g.one('Slice', [s, g.ints([l * D]), g.ints([(l + 1) * D]), g.ints([0])], undefined, `${p}initial_state`));
    const h0 = stateSlice(initH);
    const c0 = withC ? stateSlice(initC) : '';
    const wantY = l < L - 1 || needTop;
    const [y, yh, yc] = g.node(op, [x, w, r, b, seqLens, h0, c0, peep], {
      outputs: [wantY ? `${p}Y` : '', `${p}Y_h`, ...(withC ? [`${p}Y_c`] : [])],
      attrs: [
        int('hidden_size', H),
        { name: 'direction', type: 'string', value: D === 2 ? 'bidirectional' : 'forward' },
        { name: 'activations', type: 'strings', value: D === 2 ? [...onnx.activations, ...onnx.activations] : [...onnx.activations] },
        ...(onnx.attributes ?? []).map((a) => int(a.name, a.value)),
      ],
      name: `${p}${op}`,
    });
    out.finalH.push(yh);
    if (withC) out.finalC.push(yc);
    if (wantY) {
      // Y [seq, D, batch, H] → [seq, batch, D·H] = [fwd | bwd]
      x = D === 1 ? g.one('Squeeze', [y, g.ints([1])], undefined, `${p}output`) : g.one('Reshape', [g.one('Transpose', [y], [ints('perm', [0, 2, 1, 3])], `${p}output`), g.ints([0, 0, -1])], undefined, `${p}output`);
    }
  }
  if (needTop) out.top = x;
  return out;
}

/** Layer 0's input [seq, batch, E + F] = [embedding | features], time-major. */
function stackInput(
  g: GraphBuilder,
  params: Float32Array,
  embed: TensorSlot | undefined,
  embedName: string,
  tokens: string,
  features: string,
  kind: 'sequence' | 'single' | 'condition',
): string {
  const parts: string[] = [];
  let tokensT = '';
  if (embed && tokens) {
    const [V, E] = embed.shape;
    const table = g.float(embedName, [V, E], slice(params, embed), `token embedding [vocabulary ${V}, ${E}]`);
    tokensT = kind === 'single' ? g.one('Unsqueeze', [tokens, g.ints([0])], undefined, 'tokens_time_major') : g.one('Transpose', [tokens], [ints('perm', [1, 0])], 'tokens_time_major');
    parts.push(g.one('Gather', [table, tokensT], [int('axis', 0)], 'embedding'));
  }
  if (features) {
    if (kind === 'sequence') parts.push(g.one('Transpose', [features], [ints('perm', [1, 0, 2])], 'features_time_major'));
    else {
      const f1 = g.one('Unsqueeze', [features, g.ints([0])], undefined, 'features_time_major');
      if (kind === 'single' || !tokensT) parts.push(f1);
      else {
        // The conditioning vector, repeated at every step: [1, batch, F] → [seq, batch, F].
        const F = Number(g.inputs.find((i) => i.name === features)!.shape[1]);
        const shape = g.one('Concat', [g.one('Shape', [tokensT], undefined, 'condition_shape'), g.ints([F])], [int('axis', 0)], 'condition_shape');
        parts.push(g.one('Expand', [f1, shape], undefined, 'condition_per_step'));
      }
    }
  }
  if (parts.length === 0) throw new Error('the model has neither token nor feature input');
  return parts.length === 1 ? parts[0] : g.one('Concat', parts, [int('axis', 2)], 'stack_input');
}

/** Head on every step: [seq, batch, D·H] → [batch, seq, O] (+ probabilities for classes). */
function perStepHead(g: GraphBuilder, layout: ParamLayout, params: Float32Array, top: string): void {
  const { Wy, by, inputSize: K } = layout.head;
  const O = Wy.shape[0];
  const wt = g.float('head.Wy_T', [K, O], transpose2(slice(params, Wy), O, K), `dense head weights, transposed [${K}, ${O}], from head.Wy`);
  const bias = g.float('head.by', [O], Float32Array.from(slice(params, by)), 'dense head bias, from head.by');
  const y = g.one('Add', [g.one('MatMul', [top, wt], undefined, 'head'), bias], undefined, 'head');
  const yb = g.one('Transpose', [y], [ints('perm', [1, 0, 2])], 'head_batch_major');
  headOutputs(g, layout.spec, yb, ['batch', 'seq', O], 'at every step');
}

/** Head on the last layer's final states Y_h [D, batch, H] → [batch, O]. */
function finalStateHead(g: GraphBuilder, layout: ParamLayout, params: Float32Array, yh: string, D: number): void {
  const { Wy, by, inputSize: K } = layout.head;
  const O = Wy.shape[0];
  const rows = D === 1 ? g.one('Squeeze', [yh, g.ints([0])], undefined, 'final_state') : g.one('Reshape', [g.one('Transpose', [yh], [ints('perm', [1, 0, 2])], 'final_state'), g.ints([0, -1])], undefined, 'final_state');
  const w = g.float('head.Wy', [O, K], Float32Array.from(slice(params, Wy)), `dense head weights [${O}, ${K}] on [forward final | reverse final], from head.Wy`);
  const bias = g.float('head.by', [O], Float32Array.from(slice(params, by)), 'dense head bias, from head.by');
  const y = g.one('Gemm', [rows, w, bias], [int('transB', 1)], 'head');
  headOutputs(g, layout.spec, y, ['batch', O], 'per sequence');
}

function headOutputs(g: GraphBuilder, spec: ModelSpec, y: string, shape: (number | string)[], where: string): void {
  if (spec.output.kind === 'classes') {
    g.output(y, { name: 'logits', type: 'float32', shape, description: `class scores ${where} (before softmax)` });
    g.node('Softmax', [y], { outputs: ['probabilities'], attrs: [int('axis', -1)] });
    g.outputs.push({ name: 'probabilities', type: 'float32', shape, description: `softmax of the logits ${where}` });
  } else g.output(y, { name: 'values', type: 'float32', shape, description: `predicted values ${where}, normalised: value = output · std + mean (see the sidecar)` });
}

/** Y_h / Y_c of each layer → [L·D, batch, H] (or, summing directions, [L, batch, H]). */
function stateOutput(g: GraphBuilder, perLayer: string[], name: string, shape: (number | string)[], description: string, sumDirections: boolean): void {
  const parts = sumDirections ? perLayer.map((s) => g.one('ReduceSum', [s, g.ints([0])], [int('keepdims', 1)], 'sum_directions')) : perLayer;
  const v = parts.length === 1 ? parts[0] : g.one('Concat', parts, [int('axis', 0)], 'stack_states');
  g.output(v, { name, type: 'float32', shape, description });
}

// ============================================== graphs ============================================================

function stateIO(st: StackLayout, which: 'h' | 'c', dir: 'in' | 'out', rows: number): TensorIO {
  const what = which === 'h' ? 'hidden' : 'cell';
  return {
    name: `${dir === 'in' ? 'initial' : 'final'}_${which}`,
    type: 'float32',
    shape: [rows, 'batch', st.hiddenSize],
    description:
      dir === 'in'
        ? `${what} state to start from, [layers·directions, batch, ${st.hiddenSize}], row layer·D + direction (zeros for a fresh sequence)`
        : `${what} state after the last step, the same layout: feed it back as initial_${which} to continue`,
  };
}

function tokenIO(V: number, shape: (number | string)[], what: string): TensorIO {
  return { name: 'tokens', type: 'int64', shape, description: `${what}: token ids 0..${V - 1} (see the sidecar's vocabulary)` };
}

function modelGraph(layout: ParamLayout, params: Float32Array, opts: GraphOptions): BuiltGraph {
  const { spec } = layout;
  const st = layout.encoder;
  const g = new GraphBuilder();
  const { vocabSize: V, featureSize: F } = spec.input;
  const single = spec.shape === 'one-to-one';
  const condition = spec.shape === 'one-to-many' && V > 0 && F > 0;
  const streaming = exportPlan(spec, opts.streaming).streaming;
  const lengths = opts.lengths && !single && spec.shape !== 'one-to-many';
  const tokens = V > 0 ? g.input(tokenIO(V, single ? ['batch'] : ['batch', 'seq'], single ? 'one token per item' : condition ? 'the previous token at each step (bos first)' : 'input tokens')) : '';
  const features =
    F > 0
      ? g.input(
          single
            ? { name: 'features', type: 'float32', shape: ['batch', F], description: `the ${F} encoded input values (scaled / one-hot, see the sidecar)` }
            : condition
              ? { name: 'condition', type: 'float32', shape: ['batch', F], description: `the ${F} encoded conditioning values (scaled / one-hot, see the sidecar), the same at every step` }
              : { name: 'features', type: 'float32', shape: ['batch', 'seq', F], description: `${F} numeric values per step (normalised, see the sidecar)` },
        )
      : '';
  const seqLens = lengths ? g.input({ name: 'lengths', type: 'int32', shape: ['batch'], description: 'valid steps of each sequence (1..seq); steps beyond are padding' }) : '';
  const rows = st.layers * st.directions;
  const initH = streaming ? g.input(stateIO(st, 'h', 'in', rows)) : '';
  const initC = streaming && hasCellState(st.cell) ? g.input(stateIO(st, 'c', 'in', rows)) : '';
  const x = stackInput(g, params, layout.embed, 'embed', tokens, features, single ? 'single' : condition ? 'condition' : 'sequence');
  const perStep = spec.shape === 'many-to-many' || spec.shape === 'one-to-many';
  const s = recurrentStack(g, st, params, '', x, seqLens, initH, initC, perStep);
  if (perStep) perStepHead(g, layout, params, s.top!);
  else finalStateHead(g, layout, params, s.finalH[st.layers - 1], st.directions);
  if (streaming) {
    stateOutput(g, s.finalH, 'final_h', stateIO(st, 'h', 'out', rows).shape, stateIO(st, 'h', 'out', rows).description, false);
    if (hasCellState(st.cell)) stateOutput(g, s.finalC, 'final_c', stateIO(st, 'c', 'out', rows).shape, stateIO(st, 'c', 'out', rows).description, false);
  }
  return { role: 'model', graph: g.build('model', describe(spec, 'model')), inputs: g.inputs, outputs: g.outputs };
}

function encoderGraph(layout: ParamLayout, params: Float32Array, opts: GraphOptions): BuiltGraph {
  const { spec } = layout;
  const st = layout.encoder;
  const g = new GraphBuilder();
  const { vocabSize: V, featureSize: F } = spec.input;
  const tokens = V > 0 ? g.input(tokenIO(V, ['batch', 'seq'], 'source tokens')) : '';
  const features = F > 0 ? g.input({ name: 'features', type: 'float32', shape: ['batch', 'seq', F], description: `${F} numeric values per source step` }) : '';
  const seqLens = opts.lengths ? g.input({ name: 'lengths', type: 'int32', shape: ['batch'], description: 'valid source tokens of each item (1..seq); the rest is padding' }) : '';
  const x = stackInput(g, params, layout.embed, 'embed', tokens, features, 'sequence');
  const att = layout.attention;
  const s = recurrentStack(g, st, params, '', x, seqLens, '', '', att !== undefined);
  const L = st.layers;
  const sum = st.directions === 2;
  if (att)
    g.output(g.one('Transpose', [s.top!], [ints('perm', [1, 0, 2])], 'memory'), {
      name: 'memory',
      type: 'float32',
      shape: ['batch', 'seq', att.S],
      description: `the encoder's top-layer output at every source step [batch, seq, ${att.S}]${st.directions === 2 ? ' ([forward | reverse])' : ''}: what the decoder's attention reads`,
    });
  const note = sum ? ' (the forward and reverse final states summed, as the decoder was trained with)' : '';
  stateOutput(g, s.finalH, 'final_h', [L, 'batch', st.hiddenSize], `encoder final hidden state per layer [${L}, batch, ${st.hiddenSize}]${note}: the decoder's initial_h`, sum);
  if (hasCellState(st.cell)) stateOutput(g, s.finalC, 'final_c', [L, 'batch', st.hiddenSize], `encoder final cell state per layer${note}: the decoder's initial_c`, sum);
  return { role: 'encoder', graph: g.build('encoder', describe(spec, 'encoder')), inputs: g.inputs, outputs: g.outputs };
}

function decoderGraph(layout: ParamLayout, params: Float32Array): BuiltGraph {
  const { spec } = layout;
  const st = layout.decoder!;
  const g = new GraphBuilder();
  const V = spec.decoder!.vocabSize;
  const tokens = g.input(tokenIO(V, ['batch', 'seq'], 'the previous target token at each step (bos first; seq = 1 to decode one step at a time)'));
  const initH = g.input({ ...stateIO(st, 'h', 'in', st.layers), description: `hidden state [${st.layers}, batch, ${st.hiddenSize}]: the encoder's final_h, then this graph's own final_h` });
  const initC = hasCellState(st.cell) ? g.input({ ...stateIO(st, 'c', 'in', st.layers), description: `cell state [${st.layers}, batch, ${st.hiddenSize}]: the encoder's final_c, then this graph's own final_c` }) : '';
  const att = layout.attention;
  const memory = att ? g.input({ name: 'memory', type: 'float32', shape: ['batch', 'src', att.S], description: `the encoder graph's memory output [batch, src, ${att.S}]` }) : '';
  const srcLens = att ? g.input({ name: 'source_lengths', type: 'int32', shape: ['batch'], description: 'valid source steps of each item (1..src): attention gives the rest no weight' }) : '';
  let x = stackInput(g, params, layout.decoderEmbed, 'dec.embed', tokens, '', 'sequence');
  if (att?.inputFeeding) {
    // Input feeding: layer 0 reads [embedding ; h̃ of the previous step] — one step per call (seq = 1)
    const aIn = g.input({ name: 'attentional_in', type: 'float32', shape: ['batch', att.Hd], description: `the previous step's attentional state h̃ [batch, ${att.Hd}] (input feeding): zeros at the first step, then this graph's own attentional_out; the graph decodes one step per call (seq = 1)` });
    x = g.one('Concat', [x, g.one('Unsqueeze', [aIn, g.ints([0])], undefined, 'attentional_in_time_major')], [int('axis', 2)], 'stack_input');
  }
  const s = recurrentStack(g, st, params, 'dec.', x, '', initH, initC, true);
  const ht = att ? attentionGraph(g, att, params, s.top!, memory, srcLens) : s.top!;
  perStepHead(g, layout, params, ht);
  if (att?.inputFeeding)
    g.output(g.one('Squeeze', [ht, g.ints([0])], undefined, 'attentional_out'), { name: 'attentional_out', type: 'float32', shape: ['batch', att.Hd], description: `this step's attentional state h̃ [batch, ${att.Hd}]: the next step's attentional_in` });
  stateOutput(g, s.finalH, 'final_h', [st.layers, 'batch', st.hiddenSize], 'hidden state after the last step: the next initial_h', false);
  if (hasCellState(st.cell)) stateOutput(g, s.finalC, 'final_c', [st.layers, 'batch', st.hiddenSize], 'cell state after the last step: the next initial_c', false);
  return { role: 'decoder', graph: g.build('decoder', describe(spec, 'decoder')), inputs: g.inputs, outputs: g.outputs };
}

/**
 * The decoder's attention (src-shared/attention.ts) over `memory` [batch, src, S] for the decoder's top output
 * [seq, batch, Hd]: scores, the softmax masked beyond each source's length, the context and h̃ = tanh(W_c [c ; h]),
 * returned time-major [seq, batch, Hd] for the head; the weights are the graph's `attention` output [batch, seq, src].
 */
function attentionGraph(g: GraphBuilder, att: AttentionLayout, params: Float32Array, top: string, memory: string, srcLens: string): string {
  const { S, Hd } = att;
  const q = g.one('Transpose', [top], [ints('perm', [1, 0, 2])], 'attention_query'); // [batch, seq, Hd]
  const weightT = (slot: TensorSlot, what: string): string => g.float(`${slot.name}_T`, [slot.shape[1], slot.shape[0]], transpose2(slice(params, slot), slot.shape[0], slot.shape[1]), what);
  let e: string;
  if (att.type === 'bahdanau') {
    // e = v · tanh(W_q h + W_k s): [batch, seq, 1, Hd] + [batch, 1, src, Hd] → [batch, seq, src, Hd] → · v
    const qp = g.one('MatMul', [q, weightT(att.Wq!, `additive attention W_q, transposed [${Hd}, ${Hd}], from att.Wq`)], undefined, 'attention_qp');
    const kp = g.one('MatMul', [memory, weightT(att.Wk!, `additive attention W_k, transposed [${S}, ${Hd}], from att.Wk`)], undefined, 'attention_kp');
    const u = g.one('Tanh', [g.one('Add', [g.one('Unsqueeze', [qp, g.ints([2])], undefined, 'attention_qp'), g.one('Unsqueeze', [kp, g.ints([1])], undefined, 'attention_kp')], undefined, 'attention_sum')], undefined, 'attention_u');
    e = g.one('MatMul', [u, g.float('att.v', [Hd], Float32Array.from(slice(params, att.v!)), `additive attention v [${Hd}], from att.v`)], undefined, 'attention_scores');
  } else {
    // e = h · k, k = s (dot) or W_a s (general)
    const keys = att.type === 'luong-general' ? g.one('MatMul', [memory, weightT(att.Wa!, `general attention W_a, transposed [${S}, ${Hd}], from att.Wa`)], undefined, 'attention_keys') : memory;
    e = g.one('MatMul', [q, g.one('Transpose', [keys], [ints('perm', [0, 2, 1])], 'attention_keys')], undefined, 'attention_scores');
  }
  // mask: source position j < length, [batch, 1, src]
  const src = g.one('Squeeze', [g.one('Slice', [g.one('Shape', [memory], undefined, 'memory_shape'), g.ints([1]), g.ints([2])], undefined, 'source_steps'), g.ints([0])], undefined, 'source_steps');
  const pos = g.one('Unsqueeze', [g.one('Range', [g.scalar(0), src, g.scalar(1)], undefined, 'source_positions'), g.ints([0])], undefined, 'source_positions');
  const lens = g.one('Unsqueeze', [g.one('Cast', [srcLens], [int('to', DataType.INT64)], 'source_lengths'), g.ints([1])], undefined, 'source_lengths');
  const valid = g.one('Unsqueeze', [g.one('Less', [pos, lens], undefined, 'source_valid'), g.ints([1])], undefined, 'source_valid');
  const masked = g.one('Where', [valid, e, g.float('attention.masked', [], Float32Array.of(-3e38), 'the score of a padded source position (no weight after the softmax)')], undefined, 'attention_scores_masked');
  const a = g.one('Softmax', [masked], [int('axis', -1)], 'attention');
  g.output(a, { name: 'attention', type: 'float32', shape: ['batch', 'seq', 'src'], description: 'attention weights of each target step over the source steps (an alignment), 0 beyond each source length' });
  const c = g.one('MatMul', [a, memory], undefined, 'attention_context'); // [batch, seq, S]
  const cat = g.one('Concat', [c, q], [int('axis', 2)], 'attention_cat');
  const ht = g.one('Tanh', [g.one('MatMul', [cat, weightT(att.Wc, `attention combination W_c, transposed [${S + Hd}, ${Hd}], from att.Wc (rows: context, then h)`)], undefined, 'attentional')], undefined, 'attentional');
  return g.one('Transpose', [ht], [ints('perm', [1, 0, 2])], 'attentional_time_major');
}

function describe(spec: ModelSpec, role: GraphRole): string {
  const s = spec.stack;
  const stack = `${s.layers}-layer ${s.bidirectional && role !== 'decoder' ? 'bidirectional ' : ''}${cellInfo(s.cell).name}, hidden ${s.hiddenSize}`;
  return `Sequence Studio ${spec.shape} model${role === 'model' ? '' : ` (${role})`}: ${stack}`;
}

/** Every graph of an export, in file order (encoder first). */
export function buildGraphs(layout: ParamLayout, params: Float32Array, opts: GraphOptions): BuiltGraph[] {
  if (params.length !== layout.size) throw new Error(`expected ${layout.size} parameters, got ${params.length}`);
  if (layout.spec.shape === 'encoder-decoder') return [encoderGraph(layout, params, opts), decoderGraph(layout, params)];
  return [modelGraph(layout, params, opts)];
}

/** The ModelProto of one graph, with metadata_props. */
export function toModelProto(g: BuiltGraph, metadata: [string, string][], producerVersion: string): ModelProto {
  return {
    irVersion: IR_VERSION,
    opsetImports: [{ domain: '', version: OPSET }],
    producerName: 'Sequence Studio',
    producerVersion,
    modelVersion: 1,
    docString: g.graph.docString,
    graph: g.graph,
    metadata,
  };
}
