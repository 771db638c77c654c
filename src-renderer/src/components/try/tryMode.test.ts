// tryMode(): the Try panel that fits each kind of trained model, and which runs can predict at all.

import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../../src-shared/model';
import { fakeRun } from '../../testing/fakeStudio';
import { canTry, tryMode } from './tryMode';

const spec = (over: Partial<ModelSpec>): ModelSpec => ({
  shape: 'many-to-many',
  input: { vocabSize: 40, embedSize: 40, featureSize: 0 },
  stack: { cell: 'lstm', layers: 1, hiddenSize: 8, bidirectional: false },
  output: { kind: 'classes', size: 40 },
  dropout: 0,
  forgetBias: 1,
  ...over,
});

describe('tryMode', () => {
  it('picks the panel from the model the run built', () => {
    expect(tryMode(fakeRun('a', { spec: spec({}) }))).toBe('text');
    expect(tryMode(fakeRun('a', { spec: spec({ input: { vocabSize: 900, embedSize: 32, featureSize: 7 }, output: { kind: 'classes', size: 13 } }) }))).toBe('tag');
    expect(tryMode(fakeRun('a', { spec: spec({ shape: 'many-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: 1 }, output: { kind: 'values', size: 1 } }) }))).toBe('series');
    expect(tryMode(fakeRun('a', { spec: spec({ shape: 'many-to-one', output: { kind: 'classes', size: 2 } }) }))).toBe('classify');
    expect(tryMode(fakeRun('a', { spec: spec({ shape: 'many-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: 6 }, output: { kind: 'classes', size: 5 } }) }))).toBe('sequences');
    expect(tryMode(fakeRun('a', { spec: spec({ shape: 'encoder-decoder' }) }))).toBe('translate');
    expect(tryMode(fakeRun('a', { spec: spec({ shape: 'one-to-one' }) }))).toBe('predict');
    expect(tryMode(fakeRun('a', { spec: spec({ shape: 'one-to-many' }) }))).toBe('generate');
  });

  it('falls back on the chosen shape before the model is known', () => {
    expect(tryMode(fakeRun('a', { data: { format: 'auto', valFraction: 0.1, shape: 'encoder-decoder' } }))).toBe('translate');
    expect(tryMode(fakeRun('a'))).toBe('predict');
  });

  it('tries only runs with a checkpoint', () => {
    expect(canTry(fakeRun('a', { status: 'finished' }))).toBe(true);
    expect(canTry(fakeRun('a', { status: 'stopped' }))).toBe(true);
    expect(canTry(fakeRun('a', { status: 'interrupted', resumable: true }))).toBe(true);
    expect(canTry(fakeRun('a', { status: 'running' }))).toBe(false);
    expect(canTry(fakeRun('a', { status: 'error' }))).toBe(false);
  });
});
