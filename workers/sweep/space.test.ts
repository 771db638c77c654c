// The search space's parser: the command line's form into ranges and choices of the settings table, and every bound
// checked against the setting's own range (refused naming the setting by its flag).

import { describe, expect, it } from 'vitest';
import { describeProblem, SETTINGS, SettingError, type SettingKey } from '../../src-shared/settings';
import { choicesOf, formatEntry, formatSpace, parseSpace, snap, startingParam, SWEEPABLE, sweepKind } from './space';

function refusal(text: string): string {
  try {
    parseSpace(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SettingError);
    return describeProblem((e as SettingError).problem, 'cli');
  }
  throw new Error(`${text} was accepted`);
}

describe('parseSpace', () => {
  it('reads the issue’s example: choices, log ranges, an integer range, a flag', () => {
    const space = parseSpace('cell=lstm,gru hidden=32..256:log lr=1e-4..1e-2:log layers=1..3 bidirectional=true,false');
    expect(space).toEqual([
      { key: 'cell', kind: 'choice', values: ['lstm', 'gru'] },
      { key: 'hiddenSize', kind: 'int', low: 32, high: 256, step: 1, log: true },
      { key: 'learningRate', kind: 'float', low: 1e-4, high: 1e-2, log: true },
      { key: 'layers', kind: 'int', low: 1, high: 3, step: 1, log: false },
      { key: 'bidirectional', kind: 'choice', values: [true, false] },
    ]);
    expect(formatSpace(space)).toBe('cell=lstm,gru hidden=32..256:log lr=0.0001..0.01:log layers=1..3 bidirectional=true,false');
    expect(parseSpace(formatSpace(space))).toEqual(space);
  });

  it('reads integer steps, number choices and data settings', () => {
    expect(parseSpace('hidden=32..256:32 batch=16,32 dropout=0..0.5 lookback=8..64:8:log tokens=char,word')).toEqual([
      { key: 'hiddenSize', kind: 'int', low: 32, high: 256, step: 32, log: false },
      { key: 'batchSize', kind: 'choice', values: [16, 32] },
      { key: 'dropout', kind: 'float', low: 0, high: 0.5, log: false },
      { key: 'lookback', kind: 'int', low: 8, high: 64, step: 8, log: true },
      { key: 'tokens', kind: 'choice', values: ['char', 'word'] },
    ]);
  });

  it('refuses an entry outside its setting’s range, naming the setting', () => {
    expect(refusal('hidden=32..9000')).toBe('--hidden 32..9000: the search space\'s upper bound 9000 is out of range: expected an integer from 1 to 4096');
    expect(refusal('lr=0..0.1')).toMatch(/^--lr 0\.\.0\.1: the search space's lower bound 0 is out of range: expected a number > 0/);
    expect(refusal('cell=lstm,transformer')).toMatch(/^--cell lstm,transformer: the choice "transformer" is out of range: expected one of /);
    expect(refusal('layers=1..2.5')).toMatch(/^--layers 1\.\.2\.5: .*upper bound 2\.5 is out of range: expected an integer/);
    expect(refusal('dropout=0.5..0.1')).toBe('--dropout 0.5..0.1: the range\'s lower bound must be below its upper bound');
    expect(refusal('bidirectional=yes')).toMatch(/^--bidirectional yes: .*expected true or false/);
    expect(refusal('cell=lstm..gru')).toMatch(/^--cell lstm\.\.gru: a range needs a number setting/);
    expect(refusal('dropout=0..0.5:log')).toMatch(/a log range needs a lower bound above 0/);
    expect(refusal('lr=1e-4..1e-2:3')).toMatch(/a step needs an integer setting/);
    expect(refusal('hidden=32..64 hidden=8,16')).toMatch(/^--hidden 8,16: named twice/);
  });

  it('refuses names that are no setting, and settings a sweep does not vary', () => {
    expect(refusal('size=1..3')).toMatch(/search space entry "size=1..3": no such setting \(settings a sweep can vary: cell, layers, hidden/);
    expect(refusal('seed=1..9')).toMatch(/"seed=1..9": a sweep does not vary it/);
    expect(refusal('target=price')).toMatch(/a sweep does not vary it/);
    expect(refusal('hidden')).toMatch(/expected NAME=VALUES/);
    expect(refusal('  ')).toMatch(/the search space is empty/);
  });

  it('snaps numbers onto an integer’s step within its range', () => {
    const p = { key: 'hiddenSize' as const, kind: 'int' as const, low: 32, high: 250, step: 32, log: false };
    expect([snap(p, 0), snap(p, 47), snap(p, 49), snap(p, 250), snap(p, 1e9)]).toEqual([32, 32, 64, 224, 224]);
  });

  it('writes an entry one way, for a parameter and for a row as typed: the formatter round-trips through the parser', () => {
    expect(formatEntry('hiddenSize', { kind: 'range', low: ' 32', high: '256 ', log: true, step: '32' })).toBe('hidden=32..256:log:32');
    expect(formatEntry('hiddenSize', { kind: 'range', low: 8, high: 64, log: false, step: 1 })).toBe('hidden=8..64');
    expect(formatEntry('learningRate', { kind: 'range', low: '1e-4', high: '1e-2', log: true })).toBe('lr=1e-4..1e-2:log');
    expect(formatEntry('bidirectional', { kind: 'choice', values: [true, false] })).toBe('bidirectional=true,false');
    const text = 'cell=gru,rnn hidden=32..256:log:32 lr=0.0001..0.01:log dropout=0..0.5 bidirectional=false batch=16,32 tokens=word';
    expect(formatSpace(parseSpace(text))).toBe(text);
    expect(parseSpace(formatSpace(parseSpace(text)))).toEqual(parseSpace(text));
  });

  it('starts every sweepable setting’s search from its current value, always within the setting’s limits', () => {
    const keys = [...SWEEPABLE.values()];
    expect(keys).toEqual(expect.arrayContaining(['cell', 'hiddenSize', 'learningRate', 'bidirectional', 'lookback'] as SettingKey[]));
    for (const key of keys) {
      const spec = SETTINGS[key] as { kind: string; min?: number; max?: number; default?: unknown };
      for (const current of [spec.default, spec.min, spec.max, 0, 1, undefined]) {
        const p = startingParam(key, current);
        // what the row starts with parses back to itself: valid against the setting's own limits
        expect(parseSpace(formatSpace([p])), `${key} from ${String(current)}`).toEqual([p]);
        expect(p.kind === 'choice' ? 'choice' : 'range').toBe(sweepKind(key));
      }
    }
    expect(startingParam('hiddenSize', 64)).toEqual({ key: 'hiddenSize', kind: 'int', low: 32, high: 128, step: 1, log: true });
    expect(startingParam('learningRate', 0.003)).toEqual({ key: 'learningRate', kind: 'float', low: 0.001, high: 0.009, log: true });
    expect(startingParam('layers', 8)).toEqual({ key: 'layers', kind: 'int', low: 4, high: 8, step: 1, log: false });
    expect(startingParam('dropout', 0)).toEqual({ key: 'dropout', kind: 'float', low: 0, high: 0.5, log: false });
    expect(startingParam('cell', 'lstm')).toEqual({ key: 'cell', kind: 'choice', values: SETTINGS.cell.values });
    expect(choicesOf('bidirectional')).toEqual([true, false]);
  });
});
