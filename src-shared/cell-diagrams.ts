// The Design screen's drawing of each cell, as data: lines, gate boxes, ⊙ / + nodes and labels on a 590-wide
// canvas, which DesignCellDiagram.vue renders as SVG. Part of the cell registry (cells.ts): a new cell brings its
// drawing here, and the renderer needs no change. Plain TypeScript (no DOM).

/** 1–4: the chart colour a gate box is tinted with. */
export type Tone = 1 | 2 | 3 | 4;

export type DiagramItem =
  /** A wire; `state` draws the thick state line, `dashed` a peephole. */
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; state?: boolean; arrow?: boolean; dashed?: boolean }
  | { kind: 'path'; points: string; arrow?: boolean; dashed?: boolean }
  /** An element-wise operation: a circle at (x, y) with ⊙ or +. */
  | { kind: 'op'; x: number; y: number; text: string }
  /** A box centred on x, top at y: a gate (`symbol` in bold, then `text`), or any labelled block. */
  | { kind: 'box'; x: number; y: number; width: number; height: number; text: string; symbol?: string; tone?: Tone; round?: number }
  | { kind: 'ellipse'; x: number; y: number; rx: number; ry: number; text: string; tone?: Tone }
  /** A label; `start` anchors it at its left end (else its middle); `small` for notes. */
  | { kind: 'label'; x: number; y: number; text: string; start?: boolean; small?: boolean };

export interface CellDiagram {
  viewBox: string;
  /** What the drawing shows, for screen readers. */
  description: string;
  items: readonly DiagramItem[];
}

const arrow = (x1: number, y1: number, x2: number, y2: number): DiagramItem => ({ kind: 'line', x1, y1, x2, y2, arrow: true });
const wire = (x1: number, y1: number, x2: number, y2: number): DiagramItem => ({ kind: 'line', x1, y1, x2, y2 });
/**
 * The state carried along the top (y 40) from x 40 to 520: a thick line broken by the element-wise operations on it,
 * its name on the left (at x `leftX`) and on the right.
 */
function carriedState(left: string, leftX: number, right: string, ops: [number, string][]): DiagramItem[] {
  const items: DiagramItem[] = [];
  let from = 40;
  for (const [x] of ops) {
    items.push({ kind: 'line', x1: from, y1: 40, x2: x - 11, y2: 40, state: true });
    from = x + 11;
  }
  items.push({ kind: 'line', x1: from, y1: 40, x2: 520, y2: 40, state: true, arrow: true });
  items.push({ kind: 'label', x: leftX, y: 44, text: left, start: true }, { kind: 'label', x: 530, y: 44, text: right, start: true });
  for (const [x, text] of ops) items.push({ kind: 'op', x, y: 40, text });
  return items;
}

/** A row of gate boxes (top at y 126), each fed from below by the [hₜ₋₁, xₜ] bus (y 215): [x, symbol, nonlinearity, tone]. */
function gates(row: [number, string, string, Tone][]): DiagramItem[] {
  return [
    ...row.map(([x]) => arrow(x, 215, x, 156)),
    ...row.map(([x, symbol, text, tone]): DiagramItem => ({ kind: 'box', x, y: 126, width: 52, height: 28, symbol, text, tone })),
  ];
}

/** The LSTM: the memory c along the top, gates f i g o below it, hₜ = o ⊙ tanh(cₜ) on the right. */
const LSTM_ITEMS: readonly DiagramItem[] = [
  // cell state c along the top
  ...carriedState('cₜ₋₁', 10, 'cₜ', [
    [150, '⊙'],
    [260, '+'],
  ]),
  // [hₜ₋₁, xₜ] bus into the gates
  wire(40, 215, 380, 215),
  { kind: 'label', x: 10, y: 219, text: 'hₜ₋₁', start: true },
  wire(80, 245, 80, 216),
  { kind: 'label', x: 90, y: 246, text: 'xₜ', start: true },
  ...gates([
    [150, 'f', 'σ', 2],
    [230, 'i', 'σ', 1],
    [290, 'g', 'tanh', 4],
    [380, 'o', 'σ', 3],
  ]),
  arrow(150, 126, 150, 53),
  { kind: 'path', points: '230,126 230,90 247,90', arrow: true },
  { kind: 'path', points: '290,126 290,90 273,90', arrow: true },
  { kind: 'op', x: 260, y: 90, text: '⊙' },
  arrow(260, 79, 260, 53),
  // output: hₜ = o ⊙ tanh(cₜ)
  arrow(450, 40, 450, 76),
  { kind: 'ellipse', x: 450, y: 90, rx: 24, ry: 12, text: 'tanh', tone: 4 },
  arrow(450, 102, 450, 127),
  arrow(406, 140, 437, 140),
  { kind: 'op', x: 450, y: 140, text: '⊙' },
  arrow(461, 140, 520, 140),
  { kind: 'label', x: 530, y: 144, text: 'hₜ', start: true },
];

/** The peephole LSTM: the LSTM with dashed peepholes from cₜ₋₁ into f and i, and from cₜ into o. */
const PEEPHOLE_ITEMS: readonly DiagramItem[] = [
  ...LSTM_ITEMS,
  { kind: 'path', points: '95,40 95,146 122,146', arrow: true, dashed: true },
  { kind: 'path', points: '112,40 112,104 192,104 192,134 202,134', arrow: true, dashed: true },
  { kind: 'path', points: '415,40 415,112 392,112 392,124', arrow: true, dashed: true },
  { kind: 'label', x: 100, y: 180, text: 'peepholes p ⊙ c', start: true, small: true },
];

export const CELL_DIAGRAMS = {
  peephole: {
    viewBox: '-24 0 590 262',
    description: 'Peephole LSTM diagram: the LSTM gates around the memory c, with peepholes from the old memory into the forget and input gates and from the new memory into the output gate',
    items: PEEPHOLE_ITEMS,
  },
  lstm: {
    viewBox: '-24 0 590 262',
    description: 'LSTM diagram: forget, input, candidate and output gates around the memory c',
    items: LSTM_ITEMS,
  },
  gru: {
    viewBox: '-24 0 590 262',
    description: 'GRU diagram: reset and update gates, the candidate, and the blend of old and new state',
    items: [
      // hₜ₋₁ along the top, kept by z
      ...carriedState('hₜ₋₁', 8, 'hₜ', [
        [150, '⊙'],
        [430, '+'],
      ]),
      // [hₜ₋₁, xₜ] into the gates
      wire(60, 40, 60, 215),
      wire(60, 215, 330, 215),
      wire(95, 245, 95, 216),
      { kind: 'label', x: 105, y: 246, text: 'xₜ', start: true },
      ...gates([
        [150, 'z', 'σ', 2],
        [225, 'r', 'σ', 1],
        [330, 'n', 'tanh', 4],
      ]),
      // z keeps the old state; 1 − z lets the candidate in
      arrow(150, 126, 150, 53),
      arrow(150, 75, 362, 75),
      { kind: 'box', x: 381, y: 63, width: 34, height: 24, text: '1−' },
      arrow(398, 75, 417, 75),
      { kind: 'op', x: 430, y: 75, text: '⊙' },
      { kind: 'path', points: '330,126 330,105 430,105 430,88', arrow: true },
      arrow(430, 64, 430, 53),
      // r gates the past inside the candidate
      arrow(251, 140, 302, 140),
      { kind: 'label', x: 276, y: 133, text: 'r ⊙ Wh·h', small: true },
    ],
  },
  rnn: {
    viewBox: '-24 0 590 206',
    description: 'RNN diagram: one tanh of the input and the previous state',
    items: [
      { kind: 'line', x1: 50, y1: 110, x2: 178, y2: 110, state: true, arrow: true },
      { kind: 'label', x: 10, y: 114, text: 'hₜ₋₁', start: true },
      { kind: 'box', x: 280, y: 88, width: 200, height: 44, round: 6, text: 'tanh(Wx·xₜ + Wh·hₜ₋₁ + b)', tone: 3 },
      arrow(280, 190, 280, 134),
      { kind: 'label', x: 290, y: 190, text: 'xₜ', start: true },
      { kind: 'line', x1: 380, y1: 110, x2: 510, y2: 110, state: true, arrow: true },
      { kind: 'label', x: 520, y: 114, text: 'hₜ', start: true },
      arrow(280, 88, 280, 30),
      { kind: 'label', x: 290, y: 26, text: 'to the layer above / the head: yₜ = Wy·hₜ + by', start: true },
    ],
  },
} as const satisfies Record<string, CellDiagram>;
