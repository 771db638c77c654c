// Every cell × direction × shape: a tiny model trained by the real trainer, exported to ONNX (stacked, 2 layers),
// loaded in onnxruntime-node and run on held-out batches beside the trainer's own forward: the largest absolute
// difference must stay ≤ 1e-4, and greedy generation / decoding must give the same tokens. Also: the gate
// reordering against the ONNX equations, the protobuf writer/reader round trip, and the graphs' interfaces.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src-shared/model';
import { initParameters } from '../engine/init';
import { loadKernels, sourceTreeBinaries } from '../engine/kernels';
import { buildLayout } from '../engine/layout';
import { WasmNetwork } from '../engine/network';
import { buildGraphs, reorderGates, toModelProto, type BuiltGraph } from './onnx-graph';
import { decodeModel, encodeModel, leBytes } from './onnx-proto';
import { CELLS, exportCases, textCase, trainCase, type ExportCase } from './test-cases';
import { verifyExport, type LoadedGraph } from './verify';

const kernels = loadKernels(sourceTreeBinaries(), 'simd').exports;
const TOL = 1e-4;

async function load(graphs: BuiltGraph[]): Promise<LoadedGraph[]> {
  const out: LoadedGraph[] = [];
  for (const g of graphs) out.push({ built: g, session: await ort.InferenceSession.create(encodeModel(toModelProto(g, [['shape', 'test']], 'test'))) });
  return out;
}

async function exportAndCompare(c: ExportCase) {
  const { trainer, verify } = trainCase(kernels, c);
  const graphs = buildGraphs(trainer.net.layout, trainer.net.params.slice(), { streaming: c.streaming, lengths: c.lengths });
  const loaded = await load(graphs);
  const v = await verifyExport(ort, trainer.net, loaded, verify);
  await Promise.all(loaded.map((l) => l.session.release()));
  return { v, graphs };
}

const worst = new Map<string, number>();
const CELLS_SPEC_ENCDEC: ModelSpec = {
  shape: 'encoder-decoder',
  input: { vocabSize: 7, embedSize: 4, featureSize: 0 },
  stack: { cell: 'gru', layers: 1, hiddenSize: 6, bidirectional: false },
  output: { kind: 'classes', size: 5 },
  dropout: 0,
  forgetBias: 0,
  decoder: { vocabSize: 5, embedSize: 3 },
};

describe('ONNX export matches the trainer in onnxruntime', () => {
  for (const c of exportCases()) {
    it(c.name, async () => {
      const { v, graphs } = await exportAndCompare(c);
      const gen = v.generation ? `; greedy ${v.generation.kind}: ${v.generation.agreed}/${v.generation.samples} agree over ${v.generation.tokens} tokens` : '';
      console.log(`[onnx] ${c.name}: max |diff| ${v.maxAbsDiff.toExponential(2)} over ${v.checkedSamples} sequences (${v.checkedRows} rows)${gen}; ops ${[...new Set(graphs.flatMap((g) => g.graph.nodes.map((n) => n.opType)))].join(' ')}`);
      worst.set(c.name, v.maxAbsDiff);
      expect(v.checkedSamples).toBeGreaterThan(0);
      expect(v.checkedRows).toBeGreaterThan(0);
      expect(v.maxAbsDiff).toBeLessThanOrEqual(TOL);
      if (c.generation) {
        expect(v.generation!.samples).toBeGreaterThan(0);
        expect(v.tokensAgree).toBe(true);
      }
    });
  }

  // --streaming on the other shapes: state inputs and outputs, final states compared too.
  for (const c of exportCases().filter((x) => x.spec.shape !== 'encoder-decoder' && x.spec.shape !== 'one-to-many' && (x.spec.stack.cell === 'lstm' || x.spec.stack.bidirectional)))
    it(`${c.name}, --streaming`, async () => {
      const { v, graphs } = await exportAndCompare({ ...c, streaming: true });
      expect(graphs[0].inputs.map((i) => i.name)).toEqual(expect.arrayContaining(['initial_h']));
      const states = v.checks.find((k) => !k.counted)!;
      console.log(`[onnx] ${c.name}, streaming: max |diff| ${v.maxAbsDiff.toExponential(2)}; final states ${states.maxAbsDiff.toExponential(2)} (largest |state| ${states.maxAbs!.toFixed(2)})`);
      expect(v.maxAbsDiff).toBeLessThanOrEqual(TOL);
      expect(states.rows).toBeGreaterThan(0);
      expect(states.maxAbsDiff).toBeLessThanOrEqual(TOL * Math.max(1, states.maxAbs!));
    });

  for (const cell of CELLS)
    for (const streaming of [false, true])
      it(`${cell} stateful text${streaming ? ', streaming (state carried chunk to chunk in onnxruntime)' : ', whole sequences'}`, async () => {
        const c = textCase(cell, streaming);
        const { v, graphs } = await exportAndCompare(c);
        console.log(`[onnx] ${c.name}: max |diff| ${v.maxAbsDiff.toExponential(2)} over ${v.checkedRows} rows; generation ${v.generation!.agreed}/${v.generation!.samples} agree (${v.generation!.tokens} tokens)`);
        worst.set(c.name, v.maxAbsDiff);
        const inputs = graphs[0].inputs.map((i) => i.name);
        expect(inputs.includes('initial_h')).toBe(streaming);
        expect(graphs[0].outputs.some((o) => o.name === 'final_h')).toBe(streaming);
        expect(v.maxAbsDiff).toBeLessThanOrEqual(TOL);
        expect(v.tokensAgree).toBe(true);
        for (const k of v.checks.filter((x) => !x.counted)) expect(k.maxAbsDiff).toBeLessThanOrEqual(TOL * Math.max(1, k.maxAbs!));
      });

  // Negative controls: the comparison notices the classic exporter mistakes.
  it('notices LSTM gates left in the trainer (PyTorch) order, and a GRU with linear_before_reset = 0', async () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const c = exportCases().find((x) => x.spec.shape === 'many-to-many' && x.spec.stack.cell === cell && !x.spec.stack.bidirectional)!;
      const { trainer, verify } = trainCase(kernels, c);
      const params = trainer.net.params.slice();
      const graphs = buildGraphs(trainer.net.layout, params, { streaming: false, lengths: c.lengths });
      const g = graphs[0].graph;
      if (cell === 'lstm') {
        const slot = trainer.net.layout.encoder.cells[0][0].Wh;
        g.initializers.find((t) => t.name === 'l0.R_iofc')!.raw = leBytes(params.slice(slot.offset, slot.offset + slot.size));
      } else {
        const node = g.nodes.find((n) => n.opType === 'GRU')!;
        node.attributes = node.attributes.map((a) => (a.name === 'linear_before_reset' ? { name: a.name, type: 'int', value: 0 } : a));
      }
      const loaded = await load(graphs);
      const v = await verifyExport(ort, trainer.net, loaded, verify);
      console.log(`[onnx] negative control (${cell === 'lstm' ? 'LSTM R in i f g o order' : 'GRU linear_before_reset = 0'}): max |diff| ${v.maxAbsDiff.toExponential(2)}`);
      expect(v.maxAbsDiff).toBeGreaterThan(1e-3);
    }
  });

  it('reports the worst difference per case', () => {
    const all = [...worst.values()];
    if (all.length) console.log(`[onnx] worst max |diff| over ${all.length} cases: ${Math.max(...all).toExponential(2)}`);
  });
});

describe('gate order and the ONNX equations', () => {
  // One LSTM / GRU step by the ONNX spec equations on the reordered weights equals the trainer's step.
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  for (const cell of ['lstm', 'gru'] as const)
    it(`${cell}: ONNX-order weights through the ONNX equations give the trainer's state`, () => {
      const spec = { shape: 'many-to-many' as const, input: { vocabSize: 0, embedSize: 0, featureSize: 3 }, output: { kind: 'values' as const, size: 1 }, stack: { cell, layers: 1, hiddenSize: 4, bidirectional: false }, dropout: 0, forgetBias: 1 };
      const layout = buildLayout(spec);
      const params = initParameters(layout, 5);
      for (let i = 0; i < params.length; i++) params[i] += 0.1 * Math.sin(i); // biases non-zero
      const net = new WasmNetwork(kernels, spec);
      net.setParams(params);
      const x = Float32Array.of(0.3, -0.7, 1.1);
      const h0 = Float32Array.of(0.2, -0.1, 0.4, -0.3);
      const c0 = Float32Array.of(-0.5, 0.1, 0.2, 0.6);
      net.forward({ batchSize: 1, steps: 1, features: x, initialH: h0, initialC: cell === 'lstm' ? c0 : undefined });
      const want = net.finalStates();
      const H = 4;
      const G = cell === 'lstm' ? 4 : 3;
      const c = layout.encoder.cells[0][0];
      const W = reorderGates(params.subarray(c.Wx.offset, c.Wx.offset + c.Wx.size), cell, H, 3);
      const R = reorderGates(params.subarray(c.Wh.offset, c.Wh.offset + c.Wh.size), cell, H, H);
      const Wb = reorderGates(params.subarray(c.bx.offset, c.bx.offset + c.bx.size), cell, H, 1);
      const Rb = reorderGates(params.subarray(c.bh.offset, c.bh.offset + c.bh.size), cell, H, 1);
      const xw = (k: number): number => Wb[k] + [0, 1, 2].reduce((s, i) => s + W[k * 3 + i] * x[i], 0);
      const hr = (k: number, h: ArrayLike<number>): number => Rb[k] + [0, 1, 2, 3].reduce((s, i) => s + R[k * H + i] * h[i], 0);
      expect(G * H).toBe(W.length / 3);
      for (let j = 0; j < H; j++) {
        if (cell === 'lstm') {
          // i o f c blocks
          const i = sig(xw(j) + hr(j, h0));
          const o = sig(xw(H + j) + hr(H + j, h0));
          const f = sig(xw(2 * H + j) + hr(2 * H + j, h0));
          const g = Math.tanh(xw(3 * H + j) + hr(3 * H + j, h0));
          const C = f * c0[j] + i * g;
          expect(want.c![j]).toBeCloseTo(C, 5);
          expect(want.h[j]).toBeCloseTo(o * Math.tanh(C), 5);
        } else {
          // z r h blocks, linear_before_reset = 1
          const z = sig(xw(j) + hr(j, h0));
          const r = sig(xw(H + j) + hr(H + j, h0));
          const n = Math.tanh(xw(2 * H + j) + r * hr(2 * H + j, h0));
          expect(want.h[j]).toBeCloseTo((1 - z) * n + z * h0[j], 5);
        }
      }
    });
});

describe('the ONNX files', () => {
  const spec = { shape: 'encoder-decoder' as const, input: { vocabSize: 5, embedSize: 3, featureSize: 0 }, output: { kind: 'classes' as const, size: 6 }, decoder: { vocabSize: 6, embedSize: 3 }, stack: { cell: 'lstm' as const, layers: 2, hiddenSize: 4, bidirectional: true }, dropout: 0, forgetBias: 1 };
  const layout = buildLayout(spec);
  const graphs = buildGraphs(layout, initParameters(layout, 1), { streaming: false, lengths: true });

  it('round-trip through the protobuf reader: IR 8, opset 17, metadata, operators, inputs, outputs, initialisers by layer and gate', () => {
    const bytes = encodeModel(toModelProto(graphs[0], [['task', 'tâche ✓'], ['vocabulary', JSON.stringify(['a', 'é', '\n'])]], '9.9'));
    const d = decodeModel(bytes);
    expect(d.irVersion).toBe(8);
    expect(d.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(d.producerName).toBe('Sequence Studio');
    expect(d.metadata.task).toBe('tâche ✓');
    expect(JSON.parse(d.metadata.vocabulary)).toEqual(['a', 'é', '\n']);
    expect(d.graph.inputs.map((i) => [i.name, i.type, i.shape])).toEqual([
      ['tokens', 'int64', ['batch', 'seq']],
      ['lengths', 'int32', ['batch']],
    ]);
    expect(d.graph.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['final_h', [2, 'batch', 4]],
      ['final_c', [2, 'batch', 4]],
    ]);
    expect(d.graph.initializers.map((i) => i.name)).toEqual(expect.arrayContaining(['embed', 'l0.W_iofc', 'l0.R_iofc', 'l0.B_iofc', 'l1.W_iofc']));
    const w = d.graph.initializers.find((i) => i.name === 'l1.W_iofc')!;
    expect(w.dims).toEqual([2, 16, 8]);
    expect(w.rawBytes).toBe(2 * 16 * 8 * 4);
    const lstm = d.graph.nodes.filter((n) => n.opType === 'LSTM');
    expect(lstm).toHaveLength(2);
    expect(lstm[0].attributes).toMatchObject({ hidden_size: 4, direction: 'bidirectional', activations: ['Sigmoid', 'Tanh', 'Tanh', 'Sigmoid', 'Tanh', 'Tanh'] });
    expect(lstm[0].inputs[4]).toBe('lengths'); // sequence_lens
    expect(d.graph.nodes.some((n) => n.opType === 'ReduceSum')).toBe(true); // directions summed for the decoder
  });

  it('the decoder is a one-step graph with state in and out; GRU sets linear_before_reset = 1', () => {
    expect(graphs[1].inputs.map((i) => i.name)).toEqual(['tokens', 'initial_h', 'initial_c']);
    expect(graphs[1].outputs.map((o) => o.name)).toEqual(['logits', 'probabilities', 'final_h', 'final_c']);
    const gspec = { ...spec, stack: { ...spec.stack, cell: 'gru' as const } };
    const gl = buildLayout(gspec);
    const d = decodeModel(encodeModel(toModelProto(buildGraphs(gl, initParameters(gl, 1), { streaming: false, lengths: true })[1], [], 't')));
    const gru = d.graph.nodes.filter((n) => n.opType === 'GRU');
    expect(gru.length).toBe(2);
    for (const n of gru) expect(n.attributes.linear_before_reset).toBe(1);
    expect(d.graph.initializers.map((i) => i.name)).toEqual(expect.arrayContaining(['dec.embed', 'dec.l0.W_zrh', 'dec.l1.R_zrh', 'head.Wy_T', 'head.by']));
  });

  it('an attention model: the encoder also outputs its memory, the decoder reads it with the source lengths and outputs the weights', () => {
    for (const attention of ['luong-dot', 'luong-general', 'bahdanau'] as const) {
      const layout = buildLayout({ ...CELLS_SPEC_ENCDEC, attention });
      const [enc, dec] = buildGraphs(layout, initParameters(layout, 1), { streaming: false, lengths: true });
      expect(enc.outputs.map((o) => o.name)).toEqual(['memory', 'final_h']);
      expect(enc.outputs[0].shape).toEqual(['batch', 'seq', 6]);
      expect(dec.inputs.map((i) => i.name)).toEqual(['tokens', 'initial_h', 'memory', 'source_lengths']);
      expect(dec.outputs.map((o) => o.name)).toEqual(['attention', 'logits', 'probabilities', 'final_h']);
      const ops = new Set(dec.graph.nodes.map((n) => n.opType));
      for (const op of ['MatMul', 'Softmax', 'Concat', 'Tanh', 'Where', 'Range', 'Less']) expect(ops.has(op)).toBe(true);
    }
  });

  it('input feeding: the decoder graph also takes attentional_in and gives attentional_out [batch, H]', () => {
    const layout = buildLayout({ ...CELLS_SPEC_ENCDEC, attention: 'bahdanau', inputFeeding: true });
    const [, dec] = buildGraphs(layout, initParameters(layout, 1), { streaming: false, lengths: true });
    expect(dec.inputs.map((i) => i.name)).toEqual(['tokens', 'initial_h', 'memory', 'source_lengths', 'attentional_in']);
    expect(dec.outputs.map((o) => o.name)).toEqual(['attention', 'logits', 'probabilities', 'attentional_out', 'final_h']);
    expect(dec.outputs.find((o) => o.name === 'attentional_out')!.shape).toEqual(['batch', CELLS_SPEC_ENCDEC.stack.hiddenSize]);
  });

  it('negative attribute values (Softmax axis −1) survive the varint encoding', () => {
    const d = decodeModel(encodeModel(toModelProto(graphs[1], [], 't')));
    expect(d.graph.nodes.find((n) => n.opType === 'Softmax')!.attributes.axis).toBe(-1);
  });
});
