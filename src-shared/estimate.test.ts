// estimate(): its parameter count equals the trainer's layout (workers/engine/layout.ts) for every cell, stacked,
// bidirectional, encoder–decoder, token and feature inputs; memory and FLOPs grow as they should; the design
// problems it reports against the data.

import { describe, expect, it } from 'vitest';
import type { DataModel, ModelChoice } from './dataset';
import { estimate, formatBytes, formatCount, specFor } from './estimate';
import { ATTENTION_TYPES } from './attention';
import { CELL_TYPES } from './cells';
import { buildLayout, parameterCount } from '../workers/engine/layout';

const base: ModelChoice = { cell: 'lstm', layers: 1, hiddenSize: 128, embedSize: 0, bidirectional: false, dropout: 0, forgetBias: 1 };

const DATA: Record<string, DataModel> = {
  text: { shape: 'many-to-many', input: { vocabSize: 65, embedSize: 64, featureSize: 0 }, output: { kind: 'classes', size: 65 } },
  series: { shape: 'many-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: 3 }, output: { kind: 'values', size: 1 } },
  tagging: { shape: 'many-to-many', input: { vocabSize: 5000, embedSize: 48, featureSize: 7 }, output: { kind: 'classes', size: 13 } },
  table: { shape: 'one-to-one', input: { vocabSize: 0, embedSize: 0, featureSize: 11 }, output: { kind: 'classes', size: 4 } },
  conditional: { shape: 'one-to-many', input: { vocabSize: 30, embedSize: 30, featureSize: 2 }, output: { kind: 'classes', size: 30 } },
  pairs: {
    shape: 'encoder-decoder',
    input: { vocabSize: 70, embedSize: 32, featureSize: 0 },
    output: { kind: 'classes', size: 80 },
    decoder: { vocabSize: 80, embedSize: 40 },
  },
};

describe('estimate', () => {
  it('counts the same parameters as the trainer layout, for every data kind and design', () => {
    let compared = 0;
    for (const [name, data] of Object.entries(DATA))
      for (const cell of CELL_TYPES)
        for (const layers of [1, 2, 3])
          for (const hiddenSize of [1, 7, 64])
            for (const bidirectional of [false, true])
              for (const embedSize of [0, 5]) {
                const m: ModelChoice = { ...base, cell, layers, hiddenSize, bidirectional, embedSize };
                const expected = parameterCount(buildLayout(specFor(data, m)));
                const got = estimate(data, m, 32, 64).parameterCount;
                if (got !== expected) throw new Error(`${name} ${JSON.stringify(m)}: estimate ${got}, layout ${expected}`);
                compared++;
              }
    console.log(`estimate: parameter counts agree with buildLayout for ${compared} designs`);
    expect(compared).toBe(6 * CELL_TYPES.length * 3 * 3 * 2 * 2); // every data kind × cell of the registry × layers × hidden × direction × embedding
  });

  it('input feeding: counts the decoder reading h̃ as the layout does, and is a problem without attention', () => {
    for (const attention of ['luong-general', 'bahdanau'] as const)
      for (const cell of CELL_TYPES) {
        const m: ModelChoice = { ...base, cell, layers: 2, hiddenSize: 7, bidirectional: true, attention, inputFeeding: true };
        const e = estimate(DATA.pairs, m, 32, 20);
        expect(e.problems).toEqual([]);
        expect(e.parameterCount).toBe(parameterCount(buildLayout(specFor(DATA.pairs, m))));
        expect(e.parameterCount).toBeGreaterThan(estimate(DATA.pairs, { ...m, inputFeeding: false }, 32, 20).parameterCount);
      }
    const bad = estimate(DATA.pairs, { ...base, attention: 'none', inputFeeding: true }, 32, 20);
    expect(bad.problems.join(' ')).toMatch(/Input feeding: input feeding feeds the previous step's attentional state h̃ back into the decoder; with attention none there is no h̃/);
  });

  it('counts every attention’s parameters as the layout does, and refuses dot attention over a bidirectional encoder', () => {
    let compared = 0;
    for (const attention of ATTENTION_TYPES)
      for (const cell of CELL_TYPES)
        for (const layers of [1, 2])
          for (const bidirectional of [false, true]) {
            const m: ModelChoice = { ...base, cell, layers, hiddenSize: 7, bidirectional, attention };
            const e = estimate(DATA.pairs, m, 32, 20);
            if (attention === 'luong-dot' && bidirectional) {
              expect(e.problems.join(' ')).toMatch(/dot attention needs the encoder's outputs \(14 wide\) as wide as the decoder's state \(7\)/);
              expect(() => buildLayout(specFor(DATA.pairs, m))).toThrow(/attention luong-dot/);
              continue;
            }
            expect(e.parameterCount).toBe(parameterCount(buildLayout(specFor(DATA.pairs, m))));
            compared++;
          }
    const none = estimate(DATA.pairs, { ...base, attention: 'none' }, 32, 20);
    const general = estimate(DATA.pairs, { ...base, attention: 'luong-general' }, 32, 20);
    // W_a (128, 128) and W_c (128, 256) more, and the attention's FLOPs
    expect(general.parameterCount - none.parameterCount).toBe(128 * 128 + 128 * 256);
    expect(general.flopsPerStep).toBeGreaterThan(none.flopsPerStep);
    // a choice saved before attention existed means none
    expect(estimate(DATA.pairs, base, 32, 20).parameterCount).toBe(none.parameterCount);
    expect(compared).toBe(ATTENTION_TYPES.length * CELL_TYPES.length * 2 * 2 - CELL_TYPES.length * 2);
  });

  it('counts a known LSTM by hand', () => {
    // embed 65×64, Wx 512×64, Wh 512×128, bx+bh 2×512, head 65×128 + 65
    const e = estimate(DATA.text, base, 32, 64);
    expect(e.parameterCount).toBe(65 * 64 + 512 * 64 + 512 * 128 + 1024 + 65 * 128 + 65);
    expect(e.parameterBytes).toBe(4 * e.parameterCount);
    expect(e.problems).toEqual([]);
  });

  it('grows memory with batch and time, and FLOPs with hidden size', () => {
    const small = estimate(DATA.text, base, 8, 32);
    const big = estimate(DATA.text, base, 64, 256);
    expect(big.trainingMemoryBytes).toBeGreaterThan(small.trainingMemoryBytes);
    expect(small.trainingMemoryBytes).toBeGreaterThan(6 * small.parameterBytes);
    const wide = estimate(DATA.text, { ...base, hiddenSize: 512 }, 8, 32);
    expect(wide.flopsPerStep).toBeGreaterThan(10 * small.flopsPerStep);
    // forward matmuls of the one LSTM layer alone: 2·B·T·4H·(E+H), tripled for backward
    expect(small.flopsPerStep).toBeGreaterThan(3 * 2 * 8 * 32 * 512 * (64 + 128));
  });

  it('says what is wrong with a design for the data', () => {
    const bi = estimate(DATA.text, { ...base, bidirectional: true }, 32, 64, { stateful: true });
    expect(bi.problems[0]).toMatch(/^A bidirectional model cannot predict the next step: it would read the future/);
    expect(estimate(DATA.tagging, { ...base, bidirectional: true }, 32, 64, { stateful: false }).problems).toEqual([]);
    expect(estimate(DATA.series, { ...base, hiddenSize: 0 }, 32, 64).problems.join()).toMatch(/Hidden size/);
    expect(estimate(DATA.series, { ...base, hiddenSize: 5000 }, 32, 64).problems.join()).toMatch(/Hidden size/);
    expect(estimate(DATA.series, { ...base, layers: 9 }, 32, 64).problems.join()).toMatch(/Layers/);
    expect(estimate(DATA.series, { ...base, dropout: 0.3 }, 32, 64).problems.join()).toMatch(/at least 2 layers/);
    expect(estimate(DATA.series, { ...base, layers: 2, dropout: 0.95 }, 32, 64).problems.join()).toMatch(/between 0 and 0.9/);
    expect(estimate(DATA.series, { ...base, layers: 2, dropout: 0.3 }, 32, 64).problems).toEqual([]);
    expect(estimate(DATA.series, { ...base, embedSize: 16 }, 32, 64).problems.join()).toMatch(/only to token input/);
    expect(estimate(DATA.text, { ...base, embedSize: 16 }, 32, 64).problems).toEqual([]);
    const huge = estimate(DATA.text, { ...base, hiddenSize: 4096, layers: 4 }, 512, 512);
    expect(huge.problems.join()).toMatch(/4 GiB/);
  });

  it('writes sizes in human units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1_234_567)).toBe('1.23 M');
  });
});
