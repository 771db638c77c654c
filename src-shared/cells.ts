// The cell registry: every recurrent cell the studio trains, described once. Its gates (in the trainer's own order,
// PyTorch's where PyTorch has the cell) with their nonlinearities, its states (h, and c for cells with a memory),
// which gate is the forget gate, which gates peek at the cell state, how it maps onto the ONNX operator, and what
// the Design screen shows (label, equations, captions, why it helps, its diagram). Plain TypeScript (no Node, no
// DOM): the engine (workers/engine/cells.ts maps each cell to its kernels), the reference, the exporter, the
// estimate, the validators, the CLI and the renderer all read this table. A cell missing from a table keyed by
// CellType is a compile error.

import { CELL_DIAGRAMS, type CellDiagram } from './cell-diagrams';

export type Nonlinearity = 'sigmoid' | 'tanh';

/** One gate block of the fused gate matrices (G·H rows of Wx, Wh, bx, bh). */
export interface GateInfo {
  /** The paper's symbol, also the gate's name in telemetry ('i', 'f', 'g', 'o', 'r', 'z', 'n', 'h'). */
  symbol: string;
  /** One word for charts and tooltips ("forget"). */
  word: string;
  nonlinearity: Nonlinearity;
}

/** A line of the Design screen's equations: a gate or a state, what it computes and what it is for. */
export interface EquationInfo {
  symbol: string;
  name: string;
  equation: string;
  caption: string;
}

export interface CellInfo {
  /** In names of runs, layers and models ("LSTM 2×128 on …"). */
  name: string;
  /** As the Design screen titles it ("Plain RNN"). */
  title: string;
  /** As the cell menu lists it ("RNN (Elman, tanh)"). */
  option: string;
  /** In the trainer's order: the order of the gate blocks in Wx, Wh, bx, bh and of the gate telemetry. */
  gates: readonly GateInfo[];
  /** The states carried from step to step: h always; c for cells with a separate memory. */
  states: readonly ('h' | 'c')[];
  /** The gate whose input bias starts at the model's forget-gate bias (absent: the cell has none). */
  forgetGate?: string;
  /**
   * Gates that also read the cell state through a diagonal weight p (one per unit, a tensor P of these rows):
   * the input and forget gates read c(t−1), the output gate c(t) (Gers & Schmidhuber 2000).
   */
  peepholes?: readonly string[];
  onnx: {
    operator: 'LSTM' | 'GRU' | 'RNN';
    /** The trainer's gate symbols in the operator's gate order. */
    gates: readonly string[];
    /** The operator's own letters for its gate blocks, in its order (initialiser names). */
    letters: string;
    activations: readonly string[];
    /** Attributes beyond hidden_size, direction and activations. */
    attributes?: readonly { name: string; value: number }[];
    /** The trainer's peephole symbols in the operator's P order. */
    peepholes?: readonly string[];
    /** How the cell sits in the operator, where that is worth saying (the sidecar records it). */
    variant?: string;
  };
  /** Design screen: the equations of one step, gates then states. */
  equations: readonly EquationInfo[];
  /** Design screen: the heading over `why`. */
  whyTitle: string;
  why: string;
  diagram: CellDiagram;
}

const sigmoid = (symbol: string, word: string): GateInfo => ({ symbol, word, nonlinearity: 'sigmoid' });
const tanh = (symbol: string, word: string): GateInfo => ({ symbol, word, nonlinearity: 'tanh' });

const SURVIVE = 'Why gradients survive through time';

/** The LSTM's gates, in PyTorch's order, and its ONNX operator (the peephole LSTM has the same, with P). */
const LSTM_GATES = [sigmoid('i', 'input'), sigmoid('f', 'forget'), tanh('g', 'candidate'), sigmoid('o', 'output')];
const LSTM_ONNX = { operator: 'LSTM', gates: ['i', 'o', 'f', 'g'], letters: 'iofc', activations: ['Sigmoid', 'Tanh', 'Tanh'] } as const;

const LSTM_STATE_EQUATIONS: readonly EquationInfo[] = [
  { symbol: 'c', name: 'cell state', equation: 'cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ', caption: 'The long-term memory: kept by f, added to by i ⊙ g — an addition, not a rewrite.' },
  { symbol: 'h', name: 'output', equation: 'hₜ = oₜ ⊙ tanh(cₜ)', caption: 'The short-term state passed to the next step, the layer above and the head.' },
];

export const CELLS = {
  rnn: {
    name: 'RNN',
    title: 'Plain RNN',
    option: 'RNN (Elman, tanh)',
    gates: [tanh('h', 'hidden (tanh)')],
    states: ['h'],
    onnx: { operator: 'RNN', gates: ['h'], letters: 'h', activations: ['Tanh'] },
    equations: [{ symbol: 'h', name: 'hidden state', equation: 'hₜ = tanh(Wx·xₜ + Wh·hₜ₋₁ + b)', caption: 'The whole memory is rewritten at every step through one weight matrix Wh and a squashing tanh.' }],
    whyTitle: 'Why gradients fade or blow up through time',
    why: 'Training sums the loss of every step and backpropagates through time (BPTT): the gradient reaching step t−k has been multiplied by k Jacobians ∂hₜ/∂hₜ₋₁ = diag(1 − hₜ²)·Wh. When Wh shrinks vectors the product fades towards 0 and early steps stop learning (vanishing); when it stretches them the product blows up (exploding). Clipping tames the explosion; only gates cure the vanishing.',
    diagram: CELL_DIAGRAMS.rnn,
  },
  lstm: {
    name: 'LSTM',
    title: 'LSTM',
    option: 'LSTM',
    gates: LSTM_GATES,
    states: ['h', 'c'],
    forgetGate: 'f',
    onnx: LSTM_ONNX,
    equations: [
      { symbol: 'i', name: 'input gate', equation: 'iₜ = σ(Wxᵢ·xₜ + Whᵢ·hₜ₋₁ + bᵢ)', caption: 'How much of the candidate g to write into the cell (0 = ignore this step).' },
      { symbol: 'f', name: 'forget gate', equation: 'fₜ = σ(Wx_f·xₜ + Wh_f·hₜ₋₁ + b_f)', caption: 'How much of the old cell state to keep. Its bias starts at the forget-gate bias (1), so a new cell remembers by default.' },
      { symbol: 'g', name: 'candidate', equation: 'gₜ = tanh(Wx_g·xₜ + Wh_g·hₜ₋₁ + b_g)', caption: 'What could be written: new content proposed from this input and the last output.' },
      { symbol: 'o', name: 'output gate', equation: 'oₜ = σ(Wxₒ·xₜ + Whₒ·hₜ₋₁ + bₒ)', caption: 'How much of the (squashed) cell state to show as the output h.' },
      ...LSTM_STATE_EQUATIONS,
    ],
    whyTitle: SURVIVE,
    why: 'Along the cell state, ∂cₜ/∂cₜ₋₁ = fₜ: an element-wise factor, with no weight matrix and no tanh in the way. While the forget gate stays open (f ≈ 1) the gradient flows back through hundreds of steps almost unchanged — the “constant error carousel”. That is why the forget-gate bias starts at 1, and why an LSTM learns long dependencies a plain RNN cannot.',
    diagram: CELL_DIAGRAMS.lstm,
  },
  gru: {
    name: 'GRU',
    title: 'GRU',
    option: 'GRU',
    gates: [sigmoid('r', 'reset'), sigmoid('z', 'update'), tanh('n', 'candidate')],
    states: ['h'],
    onnx: {
      operator: 'GRU',
      gates: ['z', 'r', 'n'],
      letters: 'zrh',
      activations: ['Sigmoid', 'Tanh'],
      attributes: [{ name: 'linear_before_reset', value: 1 }],
      variant: 'linear_before_reset = 1 (PyTorch / cuDNN GRU)',
    },
    equations: [
      { symbol: 'r', name: 'reset gate', equation: 'rₜ = σ(Wxᵣ·xₜ + Whᵣ·hₜ₋₁ + bᵣ)', caption: 'How much of the past state to use when proposing the new one (0 = start afresh).' },
      { symbol: 'z', name: 'update gate', equation: 'zₜ = σ(Wx_z·xₜ + Wh_z·hₜ₋₁ + b_z)', caption: 'How much of the old state to keep rather than replace (1 = keep it unchanged).' },
      { symbol: 'n', name: 'candidate', equation: 'nₜ = tanh(Wxₙ·xₜ + bxₙ + rₜ ⊙ (Whₙ·hₜ₋₁ + bhₙ))', caption: 'The proposed new state, reading the past through the reset gate (PyTorch’s variant).' },
      { symbol: 'h', name: 'new state', equation: 'hₜ = (1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁', caption: 'A blend of the candidate and the old state: no matrix stands between hₜ₋₁ and hₜ on the z path.' },
    ],
    whyTitle: SURVIVE,
    why: 'The update gate gives a direct path: ∂hₜ/∂hₜ₋₁ contains zₜ itself, so where z ≈ 1 the state and its gradient pass through a step untouched. Fewer gates than an LSTM (3 against 4, no separate cell state) for much the same protection against vanishing gradients.',
    diagram: CELL_DIAGRAMS.gru,
  },
  peephole: {
    name: 'Peephole LSTM',
    title: 'Peephole LSTM',
    option: 'LSTM with peepholes (Gers & Schmidhuber)',
    gates: LSTM_GATES,
    states: ['h', 'c'],
    forgetGate: 'f',
    peepholes: ['i', 'f', 'o'],
    onnx: { ...LSTM_ONNX, peepholes: ['i', 'o', 'f'], variant: 'peepholes P, blocks i, o, f (Gers & Schmidhuber 2000)' },
    equations: [
      { symbol: 'i', name: 'input gate', equation: 'iₜ = σ(Wxᵢ·xₜ + Whᵢ·hₜ₋₁ + pᵢ ⊙ cₜ₋₁ + bᵢ)', caption: 'How much of the candidate g to write into the cell; it also sees the old memory itself, through its peephole pᵢ.' },
      { symbol: 'f', name: 'forget gate', equation: 'fₜ = σ(Wx_f·xₜ + Wh_f·hₜ₋₁ + p_f ⊙ cₜ₋₁ + b_f)', caption: 'How much of the old cell state to keep, judged from the memory as well as the last output. Its bias starts at the forget-gate bias.' },
      { symbol: 'g', name: 'candidate', equation: 'gₜ = tanh(Wx_g·xₜ + Wh_g·hₜ₋₁ + b_g)', caption: 'What could be written: new content proposed from this input and the last output.' },
      LSTM_STATE_EQUATIONS[0],
      { symbol: 'o', name: 'output gate', equation: 'oₜ = σ(Wxₒ·xₜ + Whₒ·hₜ₋₁ + pₒ ⊙ cₜ + bₒ)', caption: 'How much of the cell state to show; its peephole reads the new memory cₜ, so the output can open at the step the memory reaches a value.' },
      LSTM_STATE_EQUATIONS[1],
    ],
    whyTitle: SURVIVE,
    why: 'The memory path is the LSTM’s: ∂cₜ/∂cₜ₋₁ = fₜ plus the small terms through the peepholes, so the gradient still flows back through many steps while the forget gate stays open. The peepholes let the gates read the memory directly rather than only its squashed view through hₜ₋₁ = oₜ₋₁ ⊙ tanh(cₜ₋₁), which is 0 whenever the output gate is shut: Gers and Schmidhuber added them so that a cell can learn precise timing (count steps, emit spikes at intervals).',
    diagram: CELL_DIAGRAMS.peephole,
  },
} as const satisfies Record<string, CellInfo>;

/** Recurrent cell types, by name. GRU is PyTorch's variant (ONNX `linear_before_reset = 1`). */
export type CellType = keyof typeof CELLS;
export const CELL_TYPES = Object.keys(CELLS) as CellType[];

/** A cell's registry entry. */
export function cellInfo(cell: CellType): CellInfo {
  const info: CellInfo | undefined = (CELLS as Record<string, CellInfo>)[cell];
  if (!info) throw new Error(`unknown cell "${String(cell)}" (cells: ${CELL_TYPES.join(', ')})`);
  return info;
}

export function isCellType(name: unknown): name is CellType {
  return typeof name === 'string' && Object.hasOwn(CELLS, name);
}

/** A cell's name for people ("LSTM"); a name that is no cell (a foreign run file) is shown as it is. */
export function cellName(cell: string): string {
  return isCellType(cell) ? CELLS[cell].name : cell;
}

/** Gate symbols of each cell, in the trainer's order. The ONNX exporter reorders them (onnx.gates). */
export const CELL_GATES = Object.fromEntries(CELL_TYPES.map((c) => [c, CELLS[c].gates.map((g) => g.symbol)])) as unknown as Record<CellType, readonly string[]>;

/** Whether the cell carries a memory c beside h (an initial_c / final_c, a carried c between chunks). */
export const hasCellState = (cell: CellType): boolean => cellInfo(cell).states.includes('c');

/** Rows of the cell's peephole tensor P (per layer and direction, (rows, H)); 0 for cells without peepholes. */
export const peepholeCount = (cell: CellType): number => cellInfo(cell).peepholes?.length ?? 0;

/** Trainable floats of one layer-direction: Wx (G·H, In), Wh (G·H, H), bx and bh (G·H), and P (peepholes, H). */
export function cellParameterCount(cell: CellType, H: number, In: number): number {
  const G = cellInfo(cell).gates.length;
  return G * H * (In + H) + 2 * G * H + peepholeCount(cell) * H;
}

/** One word per gate symbol, over every cell, for charts and tooltips ("f" → "forget"). */
export const GATE_WORDS: Readonly<Record<string, string>> = Object.fromEntries(CELL_TYPES.flatMap((c) => CELLS[c].gates.map((g) => [g.symbol, g.word])));
