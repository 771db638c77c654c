// Import throughput: writes a CSV of ≥ 100 MB (date, 5 numeric columns, a category) to a temp dir, parses it with
// parseFile (streaming), and prints MB/s and the peak RSS and heap sampled during the parse; deletes the file.
//   node tools/run-ts.mjs tools/bench-import.ts [MB]

import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFile } from '../workers/data/parse';

const targetMB = Number(process.argv[2] ?? 110);
const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
const path = join(dir, 'big.csv');

async function generate(): Promise<number> {
  const out = createWriteStream(path);
  const cats = ['north', 'south', 'east', 'west', 'centre'];
  let bytes = 0;
  let row = 0;
  const t0 = Date.UTC(2000, 0, 1);
  out.write('date,open,high,low,close,volume,region\n');
  while (bytes < targetMB * 1e6) {
    const lines: string[] = [];
    for (let k = 0; k < 10_000; k++, row++) {
      const d = new Date(t0 + (row % 3_000_000) * 60_000).toISOString().slice(0, 16);
      const p = 100 + Math.sin(row / 1000) * 20;
      lines.push(`${d},${p.toFixed(4)},${(p + 1.25).toFixed(4)},${(p - 0.75).toFixed(4)},${(p + 0.1).toFixed(4)},${(row * 7919) % 100_000},${cats[row % 5]}`);
    }
    const s = lines.join('\n') + '\n';
    bytes += s.length;
    if (!out.write(s)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return row;
}

try {
  const rows = await generate();
  const size = statSync(path).size;
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const t = performance.now();
  const r = await parseFile(path, { onProgress: sample });
  const secs = (performance.now() - t) / 1000;
  clearInterval(timer);
  sample();
  if (r.parsed.kind !== 'table') throw new Error(`expected a table, got ${r.parsed.kind}`);
  const mb = size / 1e6;
  console.log(`file: ${mb.toFixed(1)} MB, ${rows} rows, columns ${r.parsed.columns.map((c) => `${c.name}:${c.type}`).join(' ')}`);
  console.log(`parsed ${r.parsed.rows} rows in ${secs.toFixed(2)} s: ${(mb / secs).toFixed(1)} MB/s`);
  console.log(`memory: RSS before ${(base.rss / 2 ** 20).toFixed(0)} MiB, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB; heap before ${(base.heapUsed / 2 ** 20).toFixed(0)} MiB, peak ${(peakHeap / 2 ** 20).toFixed(0)} MiB`);
  console.log(`(the parsed columns themselves: ${((r.parsed.rows * 8 * 6 + r.parsed.rows * 8 + r.parsed.rows * 4) / 2 ** 20).toFixed(0)} MiB of Float64Arrays, string refs and line numbers)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
