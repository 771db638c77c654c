// The cost of a design before training it: parameter count, memory and FLOPs per step, and what is wrong with it
// for the chosen data. Plain TypeScript (no Node, no DOM): the Design screen calls it on every change, the Train
// screen and the CLI may too. The parameter count follows workers/engine/layout.ts tensor by tensor (its test
// checks the two agree); memory and FLOPs are estimates, explained where they are computed.
//
// Legend: B batch, T time steps, L layers, D directions, G gates per cell, H hidden size, E embedding width,
// F numeric features per step, V vocabulary, O head outputs.

import type { DataModel, ModelChoice } from './dataset';
import { type ModelSpec } from './model';
import { attentionInfo, attentionOf, attentionParameterCount, inputFeedingOf, inputFeedingRefusal } from './attention';
import { CELL_GATES, cellInfo, cellParameterCount } from './cells';
import { inRange, rule, type SettingKey } from './settings';

export interface Estimate {
  parameterCount: number;
  /** float32 parameters. */
  parameterBytes: number;
  /** One trainer's WASM memory for one step: parameter-sized buffers plus the activations kept for BPTT. */
  trainingMemoryBytes: number;
  /** Forward + backward of one batch (multiply and add counted as two). */
  flopsPerStep: number;
  /** What cannot be trained as designed, in words; empty when the design is fine. */
  problems: string[];
}

export interface EstimateContext {
  /** The data is one long stream read in chunks with carried state (next-step text or series). */
  stateful?: boolean;
}

/** The GEMM packing workspace of every trainer (GEMM_SIZE in workers/engine/memory-map.ts). */
const GEMM_WORKSPACE_BYTES = 2 * 2 ** 20;

/** The trainer's WebAssembly memory is 32-bit: 4 GiB per worker. */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;

/** The ModelSpec the trainer builds from the data and the person's choice (as workers/trainer.worker.ts does). */
export function specFor(data: DataModel, m: ModelChoice): ModelSpec {
  const input = { ...data.input };
  if (input.vocabSize > 0 && m.embedSize > 0) input.embedSize = m.embedSize;
  return {
    shape: data.shape,
    input,
    stack: { cell: m.cell, layers: m.layers, hiddenSize: m.hiddenSize, bidirectional: m.bidirectional },
    output: data.output,
    dropout: m.dropout,
    forgetBias: cellInfo(m.cell).forgetGate ? m.forgetBias : 0,
    ...(data.decoder ? { decoder: data.decoder } : {}),
    // absent in a choice saved before attention existed: such a run trained without it
    ...(data.shape === 'encoder-decoder' ? { attention: m.attention ?? 'none' } : {}),
    ...(data.shape === 'encoder-decoder' && m.inputFeeding ? { inputFeeding: true } : {}),
  };
}

/** Parameters of one recurrent stack: per layer and direction those of its cell (cells.ts cellParameterCount). */
function stackParameters(cell: ModelChoice['cell'], L: number, H: number, D: number, in0: number): number {
  let n = 0;
  for (let l = 0; l < L; l++) n += D * cellParameterCount(cell, H, l === 0 ? in0 : D * H);
  return n;
}

/** Forward multiply-adds of one stack over B·T steps: input projections plus recurrent products, ×2 for FLOPs. */
function stackForwardFlops(G: number, L: number, H: number, D: number, in0: number, BT: number): number {
  let n = 0;
  for (let l = 0; l < L; l++) n += D * 2 * BT * G * H * ((l === 0 ? in0 : D * H) + H);
  return n;
}

export function estimate(data: DataModel, model: ModelChoice, batchSize: number, sequenceLength: number, context: EstimateContext = {}): Estimate {
  const problems = validate(data, model, context);
  const spec = specFor(data, model);
  const { input, output } = spec;
  const G = CELL_GATES[model.cell].length;
  const L = Math.max(1, Math.round(model.layers));
  const H = Math.max(1, Math.round(model.hiddenSize));
  const D = model.bidirectional ? 2 : 1;
  const E = input.vocabSize > 0 ? input.embedSize : 0;
  const in0 = E + input.featureSize;
  const B = Math.max(1, batchSize);
  const T = Math.max(1, sequenceLength);

  // Parameters, in layout.ts order: embed (V, E), encoder stack, decoder embed + stack, head Wy (O, D·H) + by (O).
  let params = input.vocabSize > 0 ? input.vocabSize * input.embedSize : 0;
  params += stackParameters(model.cell, L, H, D, in0);
  const dec = spec.shape === 'encoder-decoder' ? spec.decoder : undefined;
  const attention = attentionOf(spec);
  const fed = inputFeedingOf(spec) ? H : 0; // input feeding: the decoder's first layer also reads h̃ (H)
  if (dec) params += dec.vocabSize * dec.embedSize + stackParameters(model.cell, L, H, 1, dec.embedSize + fed);
  if (dec) params += attentionParameterCount(attention, H, D * H);
  const headIn = dec ? H : D * H;
  params += output.size * headIn + output.size;

  // Head rows: one output per step for many-to-many and the decoder, one per sequence otherwise.
  const perStep = spec.shape === 'many-to-many' || spec.shape === 'one-to-many' || dec !== undefined;
  const N = perStep ? B * T : B;
  // Attention (Td = Ts = T here): the keys' projection W_a / W_k over the source (T·B rows), scores and context
  // (B·T·T·D·H each), the query projection of additive attention and the combination W_c [c; h] (T·B rows).
  const S = D * H;
  const attentionFlops =
    !dec || attention === 'none' ? 0 : 2 * B * T * (2 * T * S + H * (S + H) + (attention === 'luong-dot' ? 0 : H * S) + (attention === 'bahdanau' ? H * H + 2 * T * H : 0));
  const forward =
    stackForwardFlops(G, L, H, D, in0, B * T) + (dec ? stackForwardFlops(G, L, H, 1, dec.embedSize + fed, B * T) : 0) + attentionFlops + 2 * N * output.size * headIn;
  // Backward costs about twice the forward (a gradient for the input and one for the weights of every product).
  const flopsPerStep = 3 * forward;

  // Memory, following workers/engine/memory-map.ts: six parameter-sized float32 buffers (parameters, gradients,
  // two Adam moments, transposed weights, the data-parallel reduce buffer), then the arena of one batch. Per layer
  // and direction the arena keeps the gate pre-activations and their gradients (2·G·H per step), the hidden and
  // cell states, ∂L/∂h and the layer output (≈ 4·H per step): B·T·L·D·(2G + 4)·H floats. The decoder adds the same
  // with D = 1; the input (embedded tokens and features) and the logits with their gradients add B·T·In and 2·N·O.
  // Scratch buffers of a few B·H are left out. Good to about ±20%: enough to tell 40 MB from 6 GB.
  let activationFloats = B * T * L * D * (2 * G + 4) * H + B * T * in0 + 2 * N * output.size;
  if (dec) activationFloats += B * T * L * (2 * G + 4) * H + B * T * (dec.embedSize + fed); // input feeding: each step's [e ; h̃]
  // attention: the weights (B, T, T) and their gradients, keys, context, [c; h] and h̃ with their gradients
  if (dec && attention !== 'none') activationFloats += 2 * B * T * T + B * T * (4 * S + 6 * H);
  // …plus the GEMM packing workspace every trainer keeps (workers/engine/memory-map.ts, 2 MiB), and the largest
  // layer's recurrent weights packed for the step GEMMs (cellPackedFloats there: G·H² floats and <1% of panel skew).
  const packedFloats = B > 1 && T > 1 ? G * H * H : 0;
  const trainingMemoryBytes = 6 * 4 * params + 4 * (activationFloats + packedFloats) + GEMM_WORKSPACE_BYTES;
  if (trainingMemoryBytes > WASM_MEMORY_LIMIT)
    problems.push(
      `Training needs about ${formatBytes(trainingMemoryBytes)}, more than the 4 GiB a WebAssembly trainer can address: lower the batch size, sequence length, hidden size or layers`,
    );

  return { parameterCount: params, parameterBytes: 4 * params, trainingMemoryBytes, flopsPerStep, problems };
}

/** What is wrong with this design for this data (ranges, and choices the data rules out). */
export function validate(data: DataModel, m: ModelChoice, context: EstimateContext = {}): string[] {
  const problems: string[] = [];
  /** The settings table's rule for a value out of its range: "Layers must be a whole number from 1 to 8 (it is 9)". */
  const outOfRange = (key: SettingKey, v: number): boolean => {
    if (inRange(key, v)) return false;
    problems.push(`${rule(key).replace(/\.$/, '')} (it is ${v})`);
    return true;
  };
  outOfRange('hiddenSize', m.hiddenSize);
  outOfRange('layers', m.layers);
  if (!outOfRange('dropout', m.dropout) && m.dropout > 0 && m.layers < 2) problems.push('Dropout applies between recurrent layers: use at least 2 layers, or set dropout to 0');
  if (m.embedSize !== 0) {
    if (data.input.vocabSize === 0) problems.push('Embedding size applies only to token input; this data has numeric features, so set it to 0');
    else outOfRange('embedSize', m.embedSize);
  }
  if (m.bidirectional && data.shape === 'many-to-many' && context.stateful)
    problems.push('A bidirectional model cannot predict the next step: it would read the future. Untick Bidirectional for next-step prediction');
  if (cellInfo(m.cell).forgetGate && !Number.isFinite(m.forgetBias)) problems.push('Forget-gate bias must be a number (1 is the usual choice)');
  if (data.shape === 'encoder-decoder' && m.attention) {
    const H = m.hiddenSize;
    const refusal = attentionInfo(m.attention).refuses?.(H, (m.bidirectional ? 2 : 1) * H);
    if (refusal) problems.push(`Attention ${m.attention}: ${refusal}`);
  }
  const fedRefusal = inputFeedingRefusal(data.shape, m.attention, m.inputFeeding);
  if (fedRefusal && data.shape === 'encoder-decoder') problems.push(`Input feeding: ${fedRefusal}`);
  return problems;
}

// Human units -------------------------------------------------------------------------------------------------------

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** 1234567 → "1.23 M" (counts of parameters, FLOPs). */
export function formatCount(n: number): string {
  const units = ['', ' k', ' M', ' G', ' T', ' P'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? String(Math.round(v)) : `${v.toPrecision(3)}${units[u]}`;
}
