// `seqstudio`: the command line. Plain Node 20, no Electron. Runs the same services as the app (training in worker
// threads through services/runs.ts, the benchmark beside PyTorch); one file per command in cli/, flags from the
// settings table (src-shared/settings.ts).
//
//   seqstudio inspect FILE [flags]             what would it learn from this file? (cli/inspect.ts)
//   seqstudio train --data FILE [flags]        train a model, print progress, write a run folder (cli/train.ts)
//   seqstudio predict RUN_DIR [flags]          a trained run answers (cli/predict.ts)
//   seqstudio bench [flags]                    time training steps, beside PyTorch; --profile; --generate (cli/bench.ts)
//   seqstudio export RUN_DIR [--out FILE.onnx] write ONNX + sidecar JSON, checked in onnxruntime (cli/export.ts)
//   seqstudio bundle RUN_DIR --out DIR         a PyTorch training bundle of the run (cli/bundle.ts)
//   seqstudio import DIR [--out RUN_DIR]       a bundle's output folder becomes a run (cli/import.ts)
//   seqstudio sweep --data FILE --space '…'    search settings: trials in parallel, weak ones stopped early (cli/sweep.ts)
//
// Wrong flags, unreadable files and impossible settings print one line on stderr and exit with code 2; a setting
// out of range is named by its flag.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src-shared/errors';
import { describeProblem, SettingError, type SettingKey } from '../src-shared/settings';
import { UsageError, usageFlags } from './cli/args';
import { benchCommand } from './cli/bench';
import { bundleCommand } from './cli/bundle';
import { exportCommand } from './cli/export';
import { importCommand } from './cli/import';
import { inspectCommand } from './cli/inspect';
import { predictCommand } from './cli/predict';
import { stdoutClosed, watchStdout } from './cli/stdout';
import { SWEEP_HELP, SWEEP_USAGE, sweepCommand } from './cli/sweep';
import { DATA_KEYS, TRAIN_KEYS, trainCommand } from './cli/train';

export { choiceFlags } from './cli/inspect';
export { stdoutClosed };

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  inspect: inspectCommand,
  train: trainCommand,
  predict: predictCommand,
  bench: benchCommand,
  export: exportCommand,
  bundle: bundleCommand,
  import: importCommand,
  sweep: sweepCommand,
};

const TRAIN_ONLY = TRAIN_KEYS.filter((k) => !(DATA_KEYS as readonly SettingKey[]).includes(k));
const INDENT = '                  ';

const USAGE = `seqstudio — Sequence Studio on the command line

  seqstudio inspect FILE [the data flags of train] [--json]
  seqstudio train --data FILE ${usageFlags(TRAIN_ONLY, INDENT.length)}
${INDENT}${usageFlags(DATA_KEYS, INDENT.length)}
${INDENT}[--out DIR] [--resume] [--json]
  seqstudio train --resume RUN_DIR [--steps N] [--workers N] [--patience N] [--budget DURATION] [--json]
  seqstudio predict RUN_DIR [--input TEXT | --file FILE] [--series ID] [--length N] [--temperature T] [--seed N]
${INDENT}[--beam N] [--length-penalty X] [--json]
  seqstudio bench [--config NAME[,NAME…]] [--workers N[,N…]] [--vs-pytorch] [--rounds N] [--profile] [--seconds S] [--json]
  seqstudio bench --generate [--config NAME[,NAME…]] [--tokens N] [--sentences N] [--json]
  seqstudio export RUN_DIR [--out FILE.onnx] [--streaming] [--json]
  seqstudio bundle RUN_DIR --out DIR [--steps N] [--json]
  seqstudio import DIR [--out RUN_DIR] [--json]
${SWEEP_USAGE}

inspect proposes a shape, target and columns for a file and previews the training pairs; train uses that
proposal unless flags override it; --difference makes a series model read and predict changes (x_t − x_{t−1};
the forecast is the last value + the predicted change), for trending data. COL is a column name, or its 1-based
position for files without a header. N is a whole number, X a number, F a fraction, DURATION 90s, 5m, 1h30m or
seconds.
--patience N stops a run after N evaluations in a row without a better validation metric (the task metric, ties
by the lower validation loss); --budget DURATION ends it after that much training time. Either way the run ends
with its best evaluation's parameters restored (at its last step, so --resume goes on from there); --resume
RUN_DIR can raise both.
predict decodes an encoder–decoder with a beam search (--beam 4 by default; --beam 1 is greedy) ranked by
log p / length^α (--length-penalty α, default 1), or samples with --temperature T > 0.
export writes FILE.onnx (default RUN_DIR/export/model.onnx; an encoder–decoder also FILE's stem + .decoder.onnx)
and a sidecar JSON (stem + .json), runs them in onnxruntime on the run's validation data beside the trainer and
reports the largest difference; --streaming adds state inputs and outputs for running one step at a time.
bench --workers 1,2 times each worker count in turn and prints the speed-up over the first (--workers 1,2,4,8,16
on a bigger machine); with --vs-pytorch each is compared with PyTorch's best at 1 or as many threads, PyTorch
at its best: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (where the caller sets them, also timed with them and
the faster compared), its BLAS and core printed, and no comparison against a reference BLAS; rounds alternate
ours and PyTorch's (--rounds N, default 3) and each ratio is the median of the rounds' with its spread.
bench --profile breaks each configuration's training step down by kernel and phase, against the WASM SIMD peak
and the ceiling that peak puts on the step (with --vs-pytorch, in every round: the ceiling against PyTorch, and
how close ours comes to it);
bench --generate times greedy text generation (one step per token, state carried) beside onnxruntime-node on the
same model's --streaming export (one thread), and checks that both generate the same tokens; an encoder–decoder
configuration (ED-BAH, ED-LUONG) decodes --sentences sources one at a time, greedy and beam 4, beside onnxruntime on
the exported encoder and one-step decoder graphs, in tokens/s and sentences/s.
bundle writes a folder that trains the same run with PyTorch (model.py, train.py with DDP under torchrun, the
run's initial weights and batches in safetensors, README.md with launch lines); python3 train.py --check 50 compares
its first 50 steps with the studio's. import turns the folder train.py wrote (--out) into a run folder.
${SWEEP_HELP}
--json prints one JSON object per line, the last one the summary.`;

/**
 * One command's part of USAGE: its synopsis lines (with their continuation lines) and the notes paragraphs that
 * start with its name, so the text lives in one place.
 */
export function commandUsage(command: string): string {
  const lines = USAGE.split('\n');
  const synopsis: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.startsWith('  seqstudio ')) inside = line.startsWith(`  seqstudio ${command} `) || line === `  seqstudio ${command}`;
    else if (!line.startsWith('    ')) inside = false;
    if (inside) synopsis.push(line);
  }
  const notes: string[] = [];
  let taking = false;
  let previous = '.';
  for (const line of lines.slice(lines.findIndex((l) => l === '') + 1)) {
    // a paragraph starts, after a full stop, with a command's name (or a flag, for the notes on every command)
    const first = line.split(' ')[0];
    if (/[.;:]$/.test(previous) && (Object.hasOwn(COMMANDS, first) || first.startsWith('--'))) taking = first === command;
    previous = line;
    if (taking) notes.push(line);
  }
  return ['seqstudio ' + command + ' — see seqstudio --help for every command', '', ...synopsis, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  watchStdout();
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || (command === 'help' && rest.length === 0)) {
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    }
    const asked = command === 'help' ? rest[0] : command;
    const run = Object.hasOwn(COMMANDS, asked) ? COMMANDS[asked] : undefined;
    if (!run) throw new UsageError(`unknown command "${asked}" (commands: ${Object.keys(COMMANDS).join(', ')}; see seqstudio --help)`);
    // `seqstudio help train`, `seqstudio train --help` (before a `--`): that command's usage and notes
    const dashes = rest.indexOf('--');
    if (command === 'help' || (dashes === -1 ? rest : rest.slice(0, dashes)).some((a) => a === '--help' || a === '-h')) {
      process.stdout.write(commandUsage(asked) + '\n');
      return 0;
    }
    return await run(rest);
  } catch (e) {
    const err = e as Error & { code?: string };
    // a setting is named by its flag; the person's mistakes exit with 2, failures with 1
    const message = e instanceof SettingError ? describeProblem(e.problem, 'cli') : err.message;
    process.stderr.write(`seqstudio: ${message}\n`);
    return e instanceof UsageError || e instanceof InputError || err.code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

const invoked = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) main(process.argv.slice(2)).then((code) => process.exit(code));
