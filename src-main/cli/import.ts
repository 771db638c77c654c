// `seqstudio import DIR [--out RUN_DIR]`: a training bundle's output folder (what train.py wrote) becomes a run
// folder of the project (default: runs/<name> in the current folder, or --out), through the bundle service.

import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importRun } from '../services/bundle';
import { UsageError } from './args';

export async function importCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { out: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('import needs one DIR: the output folder of a training bundle (train.py --out)');
  const dir = resolve(positionals[0]);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const runDir = resolve(o.out ?? join('runs', `pytorch-${basename(resolve(dir, '..'))}-${stamp}`));
  const r = await importRun(dir, runDir);
  if (o.json) process.stdout.write(JSON.stringify({ type: 'import', ...r }) + '\n');
  else {
    const metrics = Object.entries(r.metrics).map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`).join(', ');
    process.stdout.write(`imported ${positionals[0]} as ${r.runDir}\n  ${r.name}: ${r.steps} steps, train loss ${r.trainLoss.toFixed(4)}, val loss ${r.valLoss.toFixed(4)}${metrics ? `, ${metrics}` : ''}\n`);
  }
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  return 0;
}
