// `seqstudio export RUN_DIR`: the run as ONNX (and a sidecar JSON), proven in onnxruntime on the run's held-out data
// beside the trainer (the export service, src-main/services/export.ts); exit code 1 when they differ.

import { parseArgs } from 'node:util';
import { ExportInputError, exportRun } from '../services/export';
import { intFlag, UsageError } from './args';

export async function exportCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { out: { type: 'string' }, streaming: { type: 'boolean' }, json: { type: 'boolean' }, 'max-samples': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('export needs one RUN_DIR (a folder written by seqstudio train)');
  if (o.out !== undefined && !/\.onnx$/i.test(o.out)) throw new UsageError(`--out ${o.out}: name a .onnx file`);
  const maxSamples = intFlag(o['max-samples'], 'max-samples', 1, 1_000_000);
  let r;
  try {
    r = await exportRun(positionals[0], { out: o.out, streaming: o.streaming ?? false, maxSamples });
  } catch (e) {
    if (e instanceof ExportInputError) throw new UsageError(e.message);
    throw e;
  }
  const diff = r.maxAbsDiff.toExponential(2);
  if (o.json) process.stdout.write(JSON.stringify({ type: 'export', ...r }) + '\n');
  else {
    const lines = [`exported ${positionals[0]} (${r.shape}${r.streaming ? ', streaming' : ''}, ONNX opset ${r.opset}, IR ${r.irVersion}):`, ...r.files.map((f) => `  ${f}`)];
    for (const g of r.graph) lines.push(`graph ${g.name}: ${g.inputs.join(', ')} → ${g.outputs.join(', ')}  (${g.operators.join(' ')})`);
    lines.push(`onnxruntime ${r.onnxruntime} on ${r.checkedSamples} ${r.checkedOn} sequences (${r.checkedRows} outputs): max |difference| from the trainer ${diff} (tolerance ${r.tolerance.toExponential(0)})`);
    if (r.generation) lines.push(`greedy ${r.generation.kind === 'decode' ? 'decoding' : 'generation'}: ${r.generation.agreed} of ${r.generation.samples} agree with the trainer token for token (${r.generation.tokens} tokens)`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!r.ok) {
    process.stderr.write(`seqstudio export: the export does not match the trainer (max |difference| ${diff}${r.tokensAgree === false ? ', greedy decodes differ' : ''})\n`);
    return 1;
  }
  return 0;
}
