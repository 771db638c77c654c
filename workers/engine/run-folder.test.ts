// The run folder contract: what the writer writes the reader reads back; folders of the format that exists today
// still open (a run.json without format and version, request.json version 1, a CLI run without request.json); a
// folder that is not a run says so, naming it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../src-shared/model';
import { readEvents, readRecord, readRequest, readSummary, REQUEST_FORMAT, RUN_FORMAT, withRecordedTokens, writeRecord, writeRequest, writeSummary, type RunRecord, type RunRequestFile } from './run-folder';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-run-folder-'));
const model = { cell: 'gru' as const, layers: 1, hiddenSize: 8, embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1 };
const spec = { shape: 'many-to-one' as const, input: { vocabSize: 0, embedSize: 0, featureSize: 1 }, stack: { cell: 'gru' as const, layers: 1, hiddenSize: 8, bidirectional: false }, output: { kind: 'values' as const, size: 1 }, dropout: 0, forgetBias: 0 };
const record: RunRecord = {
  format: RUN_FORMAT,
  version: 1,
  createdAt: '2026-01-02T03:04:05.000Z',
  data: { path: '/data/series.csv', format: 'auto', valFraction: 0.1, target: 'y', bytes: 1234, sha256: 'ab'.repeat(32), formatReason: 'a header', summary: '400 values', warnings: [] },
  model,
  spec,
  parameterCount: 250,
  settings: DEFAULT_TRAIN_SETTINGS,
  transforms: { kind: 'series', column: 'y', mean: 0, std: 1, lookback: 8, horizon: 1 } as unknown as RunRecord['transforms'],
  kernels: 'simd',
  workers: 1,
};

function folder(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('run folder', () => {
  it('a continued encoder–decoder run reads its data with the token units it trained with (per side, from run.json)', () => {
    const pairs = { ...record, transforms: { kind: 'pairs', source: { tokens: 'char', vocabulary: [] }, target: { tokens: 'word', vocabulary: [] }, bos: 0, eos: 1, maxLength: 9 } } as RunRecord;
    const data = { path: '/d/p.tsv', format: 'auto' as const, valFraction: 0.1 };
    expect(withRecordedTokens(pairs, data)).toEqual({ ...data, tokens: 'char', targetTokens: 'word' });
    // a run from before per-side tokens: its one unit was both sides'
    const old = { ...pairs, transforms: { ...pairs.transforms, target: { tokens: 'char', vocabulary: [] } } } as RunRecord;
    expect(withRecordedTokens(old, data)).toMatchObject({ tokens: 'char', targetTokens: 'char' });
    // what the request names stays; other shapes and a run without a record are left alone
    expect(withRecordedTokens(pairs, { ...data, tokens: 'word' as const })).toMatchObject({ tokens: 'word', targetTokens: 'word' });
    expect(withRecordedTokens(record, data)).toEqual(data);
    expect(withRecordedTokens(undefined, data)).toEqual(data);
  });


  it('reads back what it writes', () => {
    const dir = folder('written');
    const request: RunRequestFile = { format: REQUEST_FORMAT, version: 2, id: 'written', name: 'GRU 1×8 on series.csv', datasetName: 'series.csv', createdAt: record.createdAt, origin: 'cli', data: { format: 'auto', valFraction: 0.1 }, model, settings: DEFAULT_TRAIN_SETTINGS };
    writeRequest(dir, request);
    writeRecord(dir, record);
    writeSummary(dir, { type: 'summary', steps: 10, seconds: 1, trainLoss: 0.5, valLoss: 0.6, tokensPerSecond: 100, metrics: { rmse: 1 }, runDir: dir });
    writeFileSync(join(dir, 'metrics.jsonl'), [1, 2, 3, 2, 3].map((step) => JSON.stringify({ type: 'step', step, loss: step })).join('\n') + '\n{"torn');
    expect(readRequest(dir)).toEqual(request);
    expect(readRecord(dir)).toEqual(record);
    expect(readSummary(dir)?.steps).toBe(10);
    expect(readEvents(dir).map((e) => e.step)).toEqual([1, 2, 3]); // a resumed stretch replaces what followed its checkpoint
  });

  it('opens the folders of the format that exists today', () => {
    // run.json of the first releases: no format or version, settings without patience and time budget
    const old = folder('old');
    const { format: _f, version: _v, ...bare } = record;
    const { patience: _p, timeBudgetSeconds: _t, ...oldSettings } = DEFAULT_TRAIN_SETTINGS;
    writeFileSync(join(old, 'run.json'), JSON.stringify({ ...bare, settings: oldSettings }));
    expect(readRecord(old)).toMatchObject({ format: RUN_FORMAT, version: 1, settings: { patience: 0, timeBudgetSeconds: 0 } });
    // no request.json (a CLI run): a request made from run.json, named by its data file
    expect(readRequest(old)).toMatchObject({ id: 'old', name: 'GRU 1×8 on series.csv', datasetName: 'series.csv', origin: 'cli', data: { target: 'y', valFraction: 0.1 } });
    expect(readRequest(old)?.datasetId).toBeUndefined();
    // request.json version 1 (the studio's): read as it is; version 1 must name its dataset
    const v1 = folder('v1');
    const request = { format: REQUEST_FORMAT, version: 1, id: 'v1', name: 'n', datasetId: 'd', datasetName: 'd.txt', createdAt: '', data: {}, model: {}, settings: { steps: 5 } };
    writeFileSync(join(v1, 'request.json'), JSON.stringify(request));
    expect(readRequest(v1)).toMatchObject({ id: 'v1', datasetId: 'd', settings: { steps: 5, patience: 0 } });
    writeFileSync(join(v1, 'request.json'), JSON.stringify({ ...request, datasetId: undefined }));
    expect(readRequest(v1)).toBeUndefined();
    // a damaged request.json is not a run, even beside a run.json
    writeFileSync(join(old, 'request.json'), '{"format": "sequence-studio-run-req');
    expect(readRequest(old)).toBeUndefined();
  });

  it('says which folder is not a run, and refuses a run.json of a newer version or an unknown cell', () => {
    expect(() => readRecord(folder('empty'))).toThrow(/empty: not a run folder \(no run\.json\)/);
    const newer = folder('newer');
    writeFileSync(join(newer, 'run.json'), JSON.stringify({ ...record, version: 9 }));
    expect(() => readRecord(newer)).toThrow(/written by a newer Sequence Studio \(run version 9/);
    const foreign = folder('foreign');
    writeFileSync(join(foreign, 'run.json'), JSON.stringify({ ...record, spec: { ...spec, stack: { ...spec.stack, cell: 'transformer' } } }));
    expect(() => readRecord(foreign)).toThrow(/the run's cell "transformer" is not one this version knows/);
  });
});
