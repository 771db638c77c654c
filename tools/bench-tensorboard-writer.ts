// What the TensorBoard log costs the trainer per step, in process: CPU time of metrics.jsonl's writer appending and
// flushing (every 500 events) a made-up run of 20,000 steps with diagnostics every 25, with the log off and on, twice
// each (the first pair warms up). Complements tools/bench-tensorboard.mjs (whole CLI runs, noisier).
//   node tools/run-ts.mjs tools/bench-tensorboard-writer.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsLog } from '../workers/engine/metrics-log';
const N = 20000;
const events: object[] = [];
for (let s = 1; s <= N; s++) {
  events.push({ type: 'step', step: s, loss: 3 / (1 + s / 7), learningRate: 0.01, gradNorm: 1 + Math.sin(s), gradNormClipped: 1, clipped: true, tokensPerSecond: 1e5 + s, seconds: s / 100 });
  if (s % 25 === 0) events.push({ type: 'diagnostics', step: s, tensorNorms: ['emb', 'l1.Wx', 'l1.Wh', 'l1.bx', 'l1.bh', 'out.W', 'out.b'].map((name, i) => ({ name, norm: (i + 1) * 0.1 + 1 / s })), gateGradNorms: [{ stack: 'enc', layer: 0, direction: 0, gate: 'i', norm: 1 }], gradientFlow: [{ stack: 'enc', layer: 0, direction: 0, norms: Array.from({ length: 32 }, (_, i) => i) }], gates: [] });
}
for (const tb of [false, true, false, true]) {
  const dir = mkdtempSync(join(tmpdir(), 'tbmicro-'));
  const log = new MetricsLog(dir, undefined, tb);
  const t0 = process.cpuUsage();
  let i = 0;
  for (const e of events) { log.append(e); if (++i % 500 === 0) log.flush(); }
  log.flush(true);
  const t = process.cpuUsage(t0);
  console.log(`tensorboard ${tb}: ${(((t.user + t.system) / N)).toFixed(2)} µs CPU per step (metrics.jsonl${tb ? ' + event file' : ''}), ${N} steps`);
  log.close();
  rmSync(dir, { recursive: true, force: true });
}
