// Decode metrics of a trained encoder–decoder run on its own validation pairs, greedy beside beam search, with every
// figure for every target (token error rate, exact match, and BLEU and chrF of the detokenised text, as sacreBLEU
// scores them by default, whatever the token unit), and the decoding speed of each. For the figures of an issue note;
// the trainer's evaluation reports the same figures (BLEU and chrF for a target of sentences only).
//
//   node tools/run-ts.mjs tools/decode-eval.ts RUN_DIR [--beam 4] [--length-penalty 1] [--limit 200] [--json]

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { corpusBleu, corpusChrf, exactMatch, stripEos, tokenErrorRate } from '../workers/data/build/metrics';
import { detokenize } from '../workers/data/build/common';
import { loadTrainingData } from '../workers/data/load';
import { readCheckpoint } from '../workers/engine/checkpoint';
import { decodeBest, type Decoding } from '../workers/engine/generate';
import { enableRelaxedSimd, loadKernels } from '../workers/engine/kernels';
import { WasmNetwork } from '../workers/engine/network';
import { CHECKPOINT_FILE, readRecord, withRecordedTokens } from '../workers/engine/run-folder';
import { dataRequestOf } from '../src-shared/dataset';

const { values: o, positionals } = parseArgs({ allowPositionals: true, options: { beam: { type: 'string' }, 'length-penalty': { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } });
if (positionals.length !== 1) throw new Error('usage: decode-eval.ts RUN_DIR [--beam N] [--length-penalty A] [--limit N] [--json]');
const runDir = positionals[0];
const run = readRecord(runDir);
const t = run.transforms;
if (t.kind !== 'pairs') throw new Error(`${runDir}: not an encoder–decoder run (its data is ${t.kind})`);
const data = await loadTrainingData(withRecordedTokens(run, dataRequestOf(run.data)), run.settings);
const samples = (data.decodeSamples ?? []).slice(0, Number(o.limit ?? 200));
// Run through tools/run-ts.mjs the code is bundled elsewhere; RUN_TS_ENTRY is this file's real path.
const build = join(dirname(process.env.RUN_TS_ENTRY ?? fileURLToPath(import.meta.url)), '../workers/kernels/build');
enableRelaxedSimd();
const net = new WasmNetwork(loadKernels({ simd: join(build, 'kernels.simd.wasm'), relaxed: join(build, 'kernels.relaxed.wasm') }).exports, run.spec);
net.setParams(readCheckpoint(join(runDir, CHECKPOINT_FILE)).params);

const text = (ids: ArrayLike<number>): string => detokenize(Array.from(ids, (id) => t.target.vocabulary[id]), t.target.tokens);
const refs = samples.map((s) => s.referenceText ?? text(s.reference));
const evaluate = (name: string, decoding: Decoding) => {
  const t0 = performance.now();
  const hyp = samples.map((s) => stripEos(decodeBest(net, s.source, decoding, { bos: t.bos, eos: t.eos, maxLength: Math.min(t.maxLength + 1, s.reference.length * 2 + 10) }), t.eos));
  const seconds = (performance.now() - t0) / 1000;
  const texts = hyp.map(text);
  return {
    decoding: name,
    tokenErrorRate: tokenErrorRate(hyp, samples.map((s) => s.reference)),
    exactMatch: exactMatch(hyp, samples.map((s) => s.reference)),
    bleu: corpusBleu(texts, refs),
    chrF: corpusChrf(texts, refs),
    sourcesPerSecond: samples.length / seconds,
  };
};
const width = Number(o.beam ?? 4);
const alpha = Number(o['length-penalty'] ?? 1);
const rows = [evaluate('greedy', { beamWidth: 1, lengthPenalty: 0 }), evaluate(`beam ${width} (α ${alpha})`, { beamWidth: width, lengthPenalty: alpha })];
if (o.json) for (const r of rows) console.log(JSON.stringify({ runDir, pairs: samples.length, tokens: `${t.source.tokens} → ${t.target.tokens}`, ...r }));
else {
  console.log(`${runDir}: ${samples.length} validation pairs, ${t.source.tokens} → ${t.target.tokens} tokens`);
  for (const r of rows)
    console.log(`  ${r.decoding.padEnd(16)} token error rate ${r.tokenErrorRate.toFixed(3)}  exact match ${r.exactMatch.toFixed(3)}  BLEU ${r.bleu.toFixed(2)}  chrF ${r.chrF.toFixed(2)}  (${r.sourcesPerSecond.toFixed(1)} sources/s)`);
}
