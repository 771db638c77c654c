// `seqstudio bundle RUN_DIR --out DIR`: the run as a PyTorch training bundle (model.py, train.py with DDP, the
// studio's initial weights and batches in safetensors, README with launch lines), through the bundle service.

import { parseArgs } from 'node:util';
import { bundleRun } from '../services/bundle';
import { intFlag, UsageError } from './args';

export async function bundleCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { out: { type: 'string' }, steps: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('bundle needs one RUN_DIR (a folder written by seqstudio train)');
  if (!o.out) throw new UsageError('bundle needs --out DIR: the new folder the bundle is written to');
  const steps = intFlag(o.steps, 'steps', 1, 100_000_000);
  const r = await bundleRun(positionals[0], o.out, { steps });
  if (o.json) process.stdout.write(JSON.stringify({ type: 'bundle', ...r }) + '\n');
  else {
    const mib = (r.dataBytes / 2 ** 20).toFixed(1);
    process.stdout.write(
      [
        `bundled ${positionals[0]} → ${r.out}`,
        `  ${r.steps} steps (${r.distinctBatches} distinct batches, ${r.validationBatches} validation batches, ${mib} MiB), ${r.parameterCount.toLocaleString('en-US')} parameters`,
        `  check:  cd ${r.out} && python3 train.py --check 50`,
        `  train:  cd ${r.out} && torchrun --standalone --nproc_per_node 2 --redirects 2 --tee 2 train.py --out output`,
        `  import: seqstudio import ${r.out}/output`,
      ].join('\n') + '\n',
    );
  }
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  return 0;
}
