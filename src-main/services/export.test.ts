// The export service with real worker threads: a run trained by the run service is exported (an encoder–decoder:
// two graphs and a sidecar), checked in onnxruntime on the run's validation split, and described by metadata_props
// inside the files; a run whose data file has gone is still exported, checked on random inputs and says so; bad
// requests are ExportInputErrors.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../src-shared/model';
import { decodeModel } from '../../workers/export/onnx-proto';
import { ExportInputError, exportRun } from './export';
import { startRun } from './runs';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-export-'));
const pairsFile = join(tmp, 'pairs.tsv');
const sample = readFileSync(join(import.meta.dirname, '../../resources/samples/eng-fra.tsv'), 'utf8').split('\n').slice(0, 400).join('\n') + '\n';
writeFileSync(pairsFile, sample);
const runDir = join(tmp, 'run-pairs');

async function trainPairs(): Promise<void> {
  const handle = startRun({
    runDir,
    data: { path: pairsFile, format: 'auto', valFraction: 0.2 },
    model: { cell: 'gru', layers: 2, hiddenSize: 16, embedSize: 0, bidirectional: true, dropout: 0, forgetBias: 1 },
    settings: { ...DEFAULT_TRAIN_SETTINGS, steps: 15, batchSize: 16, evaluateEvery: 0, diagnosticsEvery: 0 },
  });
  const outcome = await handle.done;
  expect(outcome.reason).toBe('finished');
}

describe('exportRun', () => {
  it('exports an attention run: the encoder’s memory, the decoder’s attention, greedy decodes agree', async () => {
    const attnDir = join(tmp, 'run-attention');
    const handle = startRun({
      runDir: attnDir,
      data: { path: pairsFile, format: 'auto', valFraction: 0.2 },
      model: { cell: 'gru', layers: 1, hiddenSize: 16, embedSize: 0, bidirectional: true, dropout: 0, forgetBias: 1, attention: 'bahdanau' },
      settings: { ...DEFAULT_TRAIN_SETTINGS, steps: 15, batchSize: 16, evaluateEvery: 0, diagnosticsEvery: 0 },
    });
    expect((await handle.done).reason).toBe('finished');
    const r = await exportRun(attnDir);
    expect(r).toMatchObject({ shape: 'encoder-decoder', checkedOn: 'validation', tokensAgree: true, ok: true });
    expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(r.generation).toMatchObject({ kind: 'decode', samples: 50, agreed: 50 });
    expect(r.graph[0]).toMatchObject({ inputs: ['tokens', 'lengths'], outputs: ['memory', 'final_h'] });
    expect(r.graph[1]).toMatchObject({ inputs: ['tokens', 'initial_h', 'memory', 'source_lengths'], outputs: ['attention', 'logits', 'probabilities', 'final_h'] });
  });

  it('exports an encoder–decoder run: encoder + one-step decoder + sidecar, greedy decodes agree, metadata inside', async () => {
    await trainPairs();
    const r = await exportRun(runDir);
    const dir = join(runDir, 'export');
    expect(r.files).toEqual([join(dir, 'model.onnx'), join(dir, 'model.decoder.onnx'), join(dir, 'model.json')]);
    for (const f of r.files) expect(existsSync(f)).toBe(true);
    expect(r).toMatchObject({ opset: 17, irVersion: 8, shape: 'encoder-decoder', checkedOn: 'validation', tokensAgree: true, ok: true });
    expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(r.checkedSamples).toBe(73); // the 20 % of the distinct sources held out, every pair of each (73 of 400 pairs)
    expect(r.generation).toMatchObject({ kind: 'decode', samples: 50, agreed: 50 });
    expect(r.graph.map((g) => g.name)).toEqual(['encoder', 'decoder']);
    expect(r.graph[0]).toMatchObject({ inputs: ['tokens', 'lengths'], outputs: ['final_h'] });
    expect(r.graph[0].operators).toEqual(expect.arrayContaining(['GRU', 'ReduceSum']));
    expect(r.graph[1]).toMatchObject({ inputs: ['tokens', 'initial_h'], outputs: ['logits', 'probabilities', 'final_h'] });
    expect(r.graph[1].initializers).toEqual(expect.arrayContaining(['dec.embed', 'dec.l0.W_zrh', 'dec.l1.B_zrh', 'head.Wy_T']));

    const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    const meta = decodeModel(readFileSync(r.files[0])).metadata;
    expect(meta).toMatchObject({ shape: 'encoder-decoder', graph_role: 'encoder', 'seqstudio.format': 'sequence-studio-onnx/1' });
    expect(JSON.parse(meta.preprocessing).source.vocabulary).toEqual(run.transforms.source.vocabulary);
    expect(JSON.parse(meta.preprocessing).target).toMatchObject({ bos: 0, eos: 1, vocabulary: run.transforms.target.vocabulary });
    expect(meta.task).toMatch(/sequence-to-sequence/);
    const side = JSON.parse(readFileSync(r.files[2], 'utf8'));
    expect(side.files).toEqual({ encoder: 'model.onnx', decoder: 'model.decoder.onnx' });
    expect(side.verification).toMatchObject({ onnxruntime: '1.30.0', checkedOn: 'validation', ok: true, tokensAgree: true, maxAbsDiff: r.maxAbsDiff });
    expect(side.graphs[1].inputs.map((i: { name: string }) => i.name)).toEqual(['tokens', 'initial_h']);
  });

  it('a run whose data file is gone is still exported, checked on random inputs, with a warning', async () => {
    const moved = join(tmp, 'moved.tsv');
    copyFileSync(pairsFile, moved);
    rmSync(pairsFile);
    try {
      const r = await exportRun(runDir, { out: join(tmp, 'elsewhere', 'nodata.onnx') });
      expect(r.checkedOn).toBe('synthetic');
      expect(r.warnings.join(' ')).toMatch(/could not be used .*random inputs/);
      expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      expect(r.ok).toBe(true);
      expect(existsSync(join(tmp, 'elsewhere', 'nodata.decoder.onnx'))).toBe(true);
    } finally {
      copyFileSync(moved, pairsFile);
    }
  });

  it('bad requests are ExportInputErrors', async () => {
    await expect(exportRun(join(tmp, 'nothing-here'))).rejects.toThrow(ExportInputError);
    const bare = join(tmp, 'no-checkpoint');
    mkdirSync(bare);
    writeFileSync(join(bare, 'run.json'), readFileSync(join(runDir, 'run.json')));
    await expect(exportRun(bare)).rejects.toThrow(/no checkpoint/);
    writeFileSync(join(tmp, 'blocker'), '');
    await expect(exportRun(runDir, { out: join(tmp, 'blocker', 'm.onnx') })).rejects.toThrow(ExportInputError);
    await expect(exportRun(runDir, { out: join(tmp, 'm.json') })).rejects.toThrow(/name a \.onnx file/);
  });
});
