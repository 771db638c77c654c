// Parameter layout: every trainable tensor of a model as a named slice of one flat float vector.
// The WASM trainer (float32), the reference (float64), the optimiser, checkpoints and the exporter all index the
// same flat vector through this one table, so "the gradient of l1r.Wh" means the same floats everywhere.
//
// Legend: G gates per cell (rnn 1, lstm 4, gru 3), H hidden size, D directions, E embedding width,
// F numeric features per step, V vocabulary, O head outputs.
// Per stack, layer l, direction d (suffix "r" for reverse), in the cell's gate order (src-shared/cells.ts):
//   Wx (G·H, In_l)  input weights      bx (G·H)  input bias
//   Wh (G·H, H)     recurrent weights  bh (G·H)  recurrent bias     In_0 = E + F, In_l = D·H for l > 0
//   P  (R, H)       peephole weights of cells with peepholes, one row per gate that reads c (cells.ts peepholes)
// Plus embed (V, E) when the input carries tokens, and the head Wy (O, D·H), by (O).
// Encoder–decoder adds dec.embed (Vd, Ed) and dec.l{l}.{Wx,Wh,bx,bh} (unidirectional, In_0 = Ed), then its
// attention's tensors att.{Wa | Wq, Wk, v}, att.Wc (src-shared/attention.ts; S = D·H encoder output width), before
// the head, which reads h̃ (H) instead of the decoder's output when there is an attention.
// Every tensor starts on a multiple of 4 floats (16 bytes) so SIMD loads of a tensor never straddle two.

import { type ModelSpec } from '../../src-shared/model';
import { type AttentionType, attentionInfo, attentionOf, inputFeedingRefusal } from '../../src-shared/attention';
import { type CellType, cellInfo, peepholeCount } from '../../src-shared/cells';

export type TensorRole = 'embed' | 'Wx' | 'Wh' | 'bx' | 'bh' | 'P' | 'Wy' | 'by' | 'att';

export interface TensorSlot {
  /** e.g. "embed", "l0.Wx", "l1r.Wh", "dec.l0.bh", "head.Wy" */
  name: string;
  role: TensorRole;
  /** 'enc' for the (encoder) stack, 'dec' for the decoder stack, '' for embeddings and head. */
  stack: 'enc' | 'dec' | '';
  layer: number;
  /** 0 forward, 1 reverse. */
  direction: number;
  shape: number[];
  /** Offset in floats into the flat parameter vector (a multiple of 4). */
  offset: number;
  size: number;
}

export interface StackLayout {
  cell: CellType;
  gates: number;
  layers: number;
  hiddenSize: number;
  directions: number;
  /** Input width of each layer. */
  inputSizes: number[];
  /** cells[layer][direction] → the tensors of that cell (P: its peepholes, for cells that have them). */
  cells: CellTensors[][];
}

export interface CellTensors {
  Wx: TensorSlot;
  Wh: TensorSlot;
  bx: TensorSlot;
  bh: TensorSlot;
  P?: TensorSlot;
}

export interface ParamLayout {
  spec: ModelSpec;
  tensors: TensorSlot[];
  /** Total floats, padded to a multiple of 4. */
  size: number;
  embed?: TensorSlot;
  encoder: StackLayout;
  decoderEmbed?: TensorSlot;
  decoder?: StackLayout;
  head: { Wy: TensorSlot; by: TensorSlot; inputSize: number };
  /** Encoder–decoder models with an attention (not 'none'): its tensors by name, and the encoder output width S. */
  attention?: AttentionLayout;
}

export interface AttentionLayout {
  type: Exclude<AttentionType, 'none'>;
  /** D·H_e: the width of the encoder's top output s_j. */
  S: number;
  /** H_d: the decoder's width (query, h̃). */
  Hd: number;
  Wa?: TensorSlot;
  Wq?: TensorSlot;
  Wk?: TensorSlot;
  v?: TensorSlot;
  Wc: TensorSlot;
  /** Luong's input feeding: the decoder's layer 0 reads [embedding ; h̃_{t−1}] (its Wx is (G·H, Ed + Hd)). */
  inputFeeding?: boolean;
}

const align4 = (n: number): number => (n + 3) & ~3;

export function gateCount(cell: CellType): number {
  return cellInfo(cell).gates.length;
}

export function buildLayout(spec: ModelSpec): ParamLayout {
  const tensors: TensorSlot[] = [];
  let cursor = 0;
  const add = (name: string, role: TensorRole, stack: TensorSlot['stack'], layer: number, direction: number, shape: number[]): TensorSlot => {
    const size = shape.reduce((a, b) => a * b, 1);
    const slot: TensorSlot = { name, role, stack, layer, direction, shape, offset: cursor, size };
    tensors.push(slot);
    cursor += align4(size);
    return slot;
  };

  const { input, stack, output } = spec;
  const embed = input.vocabSize > 0 ? add('embed', 'embed', '', 0, 0, [input.vocabSize, input.embedSize]) : undefined;
  const firstInput = (input.vocabSize > 0 ? input.embedSize : 0) + input.featureSize;
  const encoder = addStack('enc', '', stack.cell, stack.layers, stack.hiddenSize, stack.bidirectional ? 2 : 1, firstInput);

  let decoderEmbed: TensorSlot | undefined;
  let decoder: StackLayout | undefined;
  if (spec.shape === 'encoder-decoder') {
    if (!spec.decoder) throw new Error('an encoder–decoder model needs a decoder vocabulary');
    decoderEmbed = add('dec.embed', 'embed', 'dec', 0, 0, [spec.decoder.vocabSize, spec.decoder.embedSize]);
    const refusal = inputFeedingRefusal(spec.shape, spec.attention, spec.inputFeeding);
    if (refusal) throw new Error(refusal);
    // input feeding: layer 0 reads [embedding ; h̃_{t−1}] (Ed + H), the embedding's columns first
    decoder = addStack('dec', 'dec.', stack.cell, stack.layers, stack.hiddenSize, 1, spec.decoder.embedSize + (spec.inputFeeding ? stack.hiddenSize : 0));
  }
  let attention: AttentionLayout | undefined;
  const type = attentionOf(spec);
  if (decoder && type !== 'none') {
    const info = attentionInfo(type);
    const S = encoder.directions * encoder.hiddenSize;
    const Hd = decoder.hiddenSize;
    const refusal = info.refuses?.(Hd, S);
    if (refusal) throw new Error(`attention ${type}: ${refusal}`);
    const slots: Partial<Record<string, TensorSlot>> = {};
    for (const t of info.tensors) slots[t.name] = add(`att.${t.name}`, 'att', 'dec', 0, 0, t.shape(Hd, S));
    attention = { type, S, Hd, Wa: slots.Wa, Wq: slots.Wq, Wk: slots.Wk, v: slots.v, Wc: slots.Wc!, ...(spec.inputFeeding ? { inputFeeding: true } : {}) };
  }
  const top = decoder ?? encoder;
  const headIn = top.hiddenSize * top.directions;
  const Wy = add('head.Wy', 'Wy', '', 0, 0, [output.size, headIn]);
  const by = add('head.by', 'by', '', 0, 0, [output.size]);
  return { spec, tensors, size: cursor, embed, encoder, decoderEmbed, decoder, head: { Wy, by, inputSize: headIn }, ...(attention ? { attention } : {}) };

  function addStack(tag: 'enc' | 'dec', prefix: string, cell: CellType, layers: number, H: number, D: number, in0: number): StackLayout {
    const G = gateCount(cell);
    const peepholes = peepholeCount(cell);
    const inputSizes: number[] = [];
    const cells: StackLayout['cells'] = [];
    for (let l = 0; l < layers; l++) {
      const In = l === 0 ? in0 : D * H;
      inputSizes.push(In);
      const row: StackLayout['cells'][number] = [];
      for (let d = 0; d < D; d++) {
        const p = `${prefix}l${l}${d === 1 ? 'r' : ''}.`;
        row.push({
          Wx: add(p + 'Wx', 'Wx', tag, l, d, [G * H, In]),
          Wh: add(p + 'Wh', 'Wh', tag, l, d, [G * H, H]),
          bx: add(p + 'bx', 'bx', tag, l, d, [G * H]),
          bh: add(p + 'bh', 'bh', tag, l, d, [G * H]),
          ...(peepholes ? { P: add(p + 'P', 'P', tag, l, d, [peepholes, H]) } : {}),
        });
      }
      cells.push(row);
    }
    return { cell, gates: G, layers, hiddenSize: H, directions: D, inputSizes, cells };
  }
}

/** Number of trainable scalars (without alignment padding). */
export function parameterCount(layout: ParamLayout): number {
  return layout.tensors.reduce((a, t) => a + t.size, 0);
}

/** A view of one tensor inside a flat vector (float32 or float64). */
export function view<A extends Float32Array | Float64Array>(flat: A, slot: TensorSlot): A {
  return flat.subarray(slot.offset, slot.offset + slot.size) as A;
}
