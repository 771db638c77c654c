// The command line as a person runs it: the built `seqstudio` (npm test builds first), in a child process, on
// real files. Checks exit codes, the one-line errors, the JSON output and the run folder.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../workers/engine/checkpoint';
import { Rng } from '../workers/engine/rng';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin/seqstudio.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-cli-'));

function cliIn(env: NodeJS.ProcessEnv, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000, env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  return cliIn(process.env, args);
}
/** PyTorch for the --vs-pytorch test: Debian's python3-torch through /usr/bin/python3. */
const HAS_TORCH = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!HAS_TORCH) console.log('[cli] bench --vs-pytorch test skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch)');

const text = join(tmp, 'poem.txt');
writeFileSync(text, 'the quick brown fox jumps over the lazy dog. '.repeat(200));
const csv = join(tmp, 'series.csv');
const day = (i: number): string => new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10);
writeFileSync(csv, 'date,value\n' + Array.from({ length: 400 }, (_, i) => `${day(i)},${(Math.sin(i / 5) * 10 + 50).toFixed(3)}`).join('\n') + '\n');

describe('seqstudio train', () => {
  it('trains a character model on a text file and prints JSON lines ending in the summary', () => {
    const out = join(tmp, 'run-text');
    const r = cli('train', '--data', text, '--steps', '60', '--hidden', '32', '--batch', '8', '--seq-len', '32', '--lr', '0.01', '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const ready = lines.find((l) => l.type === 'ready');
    expect(lines.findIndex((l) => l.type === 'ready')).toBeLessThan(lines.findIndex((l) => l.type === 'step'));
    expect(lines.filter((l) => l.type === 'step')).toHaveLength(60);
    const summary = lines.at(-1);
    expect(summary.type).toBe('summary');
    expect(summary.steps).toBe(60);
    expect(summary.valLoss).toBeLessThan(Math.log(ready.spec.output.size)); // learnt something
    expect(summary.metrics.perplexity).toBeCloseTo(Math.exp(summary.valLoss), 6);
    expect(summary.tokensPerSecond).toBeGreaterThan(0);
    expect(summary.runDir).toBe(out);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.spec.stack.hiddenSize).toBe(32);
    expect(run.data).toMatchObject({ path: text, bytes: statSync(text).size });
    expect(run.data.sha256).toBe(createHash('sha256').update(readFileSync(text)).digest('hex'));
    expect(run.transforms.vocabulary.length).toBe(ready.spec.output.size);
    expect(readCheckpoint(join(out, 'checkpoint.bin')).step).toBe(60);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.type === 'step')).toHaveLength(60);
  });

  it('forecasts a CSV series and reports rmse and mae in the data units', () => {
    // a model of levels (the proposal would read changes from the last value: --no-difference keeps levels here;
    // the differenced path has its own story below)
    const r = cli('train', '--data', csv, '--steps', '80', '--hidden', '16', '--lookback', '12', '--no-difference', '--out', join(tmp, 'run-csv'), '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.metrics.rmse).toBeGreaterThan(0);
    expect(summary.metrics.mae).toBeGreaterThan(0);
    expect(summary.metrics.rmse).toBeLessThan(10); // the series' std is ~7; the untrained model is far worse
  });

  it('resumes a stopped run from its checkpoint to the same result as an uninterrupted run', () => {
    const common = ['--data', text, '--hidden', '16', '--batch', '4', '--seq-len', '16', '--json', '--checkpoint-every', '10'];
    const full = join(tmp, 'run-full');
    const part = join(tmp, 'run-part');
    expect(cli('train', ...common, '--steps', '30', '--out', full).code).toBe(0);
    expect(cli('train', ...common, '--steps', '20', '--out', part).code).toBe(0);
    expect(cli('train', ...common, '--steps', '30', '--out', part, '--resume').code).toBe(0);
    const a = readCheckpoint(join(full, 'checkpoint.bin'));
    const b = readCheckpoint(join(part, 'checkpoint.bin'));
    expect(b.step).toBe(30);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
  });

  const bad: [string, string[], RegExp][] = [
    ['an unknown flag', ['train', '--data', 'x.txt', '--bogus'], /bogus/],
    ['a missing --data', ['train'], /--data FILE is required/],
    ['a file that does not exist', ['train', '--data', 'nope.txt'], /no such file/],
    ['a negative learning rate', ['train', '--data', text, '--lr=-1'], /--lr -1: expected a number > 0/],
    ['a fractional layer count', ['train', '--data', text, '--layers', '1.5'], /--layers 1.5: expected an integer/],
    ['an unknown cell', ['train', '--data', text, '--cell', 'transformer'], /expected one of rnn, lstm, gru/],
    ['both --steps and --epochs', ['train', '--data', text, '--steps', '5', '--epochs', '1'], /--steps or --epochs/],
    ['a shape the data cannot train', ['train', '--data', text, '--shape', 'encoder-decoder'], /--shape encoder-decoder: .*cannot/],
    ['an unknown command', ['fly'], /unknown command "fly"/],
    ['a bundle without --out', ['bundle', 'runs/x'], /bundle needs --out DIR/],
    ['a bundle of a folder that is no run', ['bundle', tmp, '--out', join(tmp, 'no-bundle')], /not a run folder \(no run\.json\)/],
    ['an import without a folder', ['import'], /import needs one DIR: the output folder of a training bundle/],
    ['an import of a folder that is no bundle output', ['import', tmp, '--out', join(tmp, 'no-import')], /no bundle\.json — not the output folder of a training bundle/],
    ['a budget that is not a duration', ['train', '--data', text, '--budget', '5x'], /--budget 5x: expected a duration such as 90s, 5m or 1h30m, or a number of seconds/],
    ['a negative budget', ['train', '--data', text, '--budget=-5m'], /--budget -5m: expected a duration/],
    ['a budget beyond the longest', ['train', '--data', text, '--budget', '3000h'], /--budget 3000h: expected at most 10,000,000 seconds/],
    ['a fractional patience', ['train', '--data', text, '--patience', '1.5'], /--patience 1.5: expected an integer from 0 to 1000000/],
    ['a negative patience', ['train', '--data', text, '--patience=-1'], /--patience -1: expected an integer/],
    ['patience without evaluations', ['train', '--data', text, '--patience', '3', '--eval-every', '0'], /--patience 3 needs evaluations to count: give --eval-every a number of steps/],
  ];
  for (const [what, args, message] of bad) {
    it(`rejects ${what} with one line on stderr and exit code 2`, () => {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it('names the file and line of a non-numeric value in a CSV', () => {
    const broken = join(tmp, 'broken.csv');
    const rows = Array.from({ length: 30 }, (_, i) => `${day(i)},${i === 12 ? 'abc' : (i * 1.5).toFixed(1)}`);
    writeFileSync(broken, 'date,value\n' + rows.join('\n') + '\n');
    const r = cli('train', '--data', broken, '--steps', '5');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.csv:14: "abc" in column "value" is not a number/);
  });

  it('rejects an empty file and a binary file', () => {
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '');
    expect(cli('train', '--data', empty).stderr).toMatch(/empty\.txt: the file is empty/);
    const binary = join(tmp, 'blob.txt');
    writeFileSync(binary, Buffer.from([0, 1, 2, 3, 0, 255]));
    const r = cli('train', '--data', binary);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/binary file/);
  });

  it('stops a diverging run with where it diverged, and keeps the last good checkpoint', () => {
    const out = join(tmp, 'run-diverge');
    const r = cli('train', '--data', csv, '--steps', '200', '--hidden', '16', '--optimizer', 'sgd', '--lr', '5', '--clip', '0', '--checkpoint-every', '1', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/diverged at step \d+: non-finite \w+ in \S+/);
    if (existsSync(join(out, 'checkpoint.bin'))) {
      const ck = readCheckpoint(join(out, 'checkpoint.bin'));
      expect(ck.params.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('seqstudio train --patience and --budget', () => {
  // Short sentences labelled by whether they hold "good", a quarter of the labels flipped: the validation accuracy
  // peaks within a few dozen steps, then the model over-fits.
  const noisy = join(tmp, 'noisy.tsv');
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega good bad'.split(' ');
  const rows = ['sentence\tlabel'];
  for (let i = 0; i < 300; i++) {
    const w = Array.from({ length: 3 + Math.floor(rnd() * 6) }, () => words[Math.floor(rnd() * words.length)]);
    rows.push(`${w.join(' ')}\t${rnd() < 0.25 ? Number(!w.includes('good')) : Number(w.includes('good'))}`);
  }
  writeFileSync(noisy, rows.join('\n') + '\n');
  const small = ['--data', noisy, '--cell', 'gru', '--hidden', '32', '--embed', '8', '--batch', '16', '--lr', '0.01', '--eval-every', '10', '--steps', '3000'];

  it('stops early, says why and what it restored, and the JSON summary carries it', () => {
    const r = cli('train', ...small, '--patience', '4', '--out', join(tmp, 'run-patience'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nends early after 4 evaluations in a row without a better validation metric \(one every 10 steps\), with the best model restored\n/);
    const why = /\nstopped early at step ([\d,]+): no better validation accuracy in 4 evaluations; restored the best model, step ([\d,]+) \(accuracy ([\d.]+); accuracy [\d.]+ at step \1\)\n/.exec(r.stdout);
    expect(why, r.stdout).not.toBeNull();
    expect(r.stdout).toMatch(new RegExp(`\\ndone: ${why![1]} steps in .*accuracy ${why![3]},`));
    const json = cli('train', ...small, '--patience', '4', '--out', join(tmp, 'run-patience-json'), '--json');
    const s = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
    expect(s).toMatchObject({ type: 'summary', stopReason: 'early-stopped', restoredBest: true, steps: Number(why![1].replace(/,/g, '')), bestStep: Number(why![2].replace(/,/g, '')) });
    const restored = json.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'evaluation').at(-1);
    expect(restored).toMatchObject({ restored: true, bestStep: s.bestStep, step: s.steps, metrics: s.metrics });
  });

  it('ends a run when its time budget is spent', () => {
    const r = cli('train', ...small, '--steps', '1000000', '--budget', '0.2', '--out', join(tmp, 'run-budget'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nends early when its time budget of 0\.2s of training is spent, with the best model restored\n/);
    expect(r.stdout).toMatch(/\ntime budget 0\.2s spent at step [\d,]+ of 1,000,000/);
    const s = JSON.parse(readFileSync(join(tmp, 'run-budget', 'summary.json'), 'utf8'));
    expect(s.stopReason).toBe('time-budget');
    expect(s.seconds).toBeGreaterThanOrEqual(0.2);
  });

  it('kill -9 and --resume RUN_DIR: the count goes on, and the run ends as the uninterrupted one, bit for bit', async () => {
    // steps of a few milliseconds, so the kill lands long before the run would stop
    const flags = ['--data', noisy, '--cell', 'lstm', '--layers', '2', '--hidden', '128', '--embed', '16', '--batch', '16', '--lr', '0.01', '--eval-every', '10', '--checkpoint-every', '25', '--patience', '8', '--steps', '3000', '--json'];
    const whole = join(tmp, 'run-whole');
    const w = cli('train', ...flags, '--out', whole);
    expect(w.code, w.stderr).toBe(0);
    const summary = JSON.parse(w.stdout.trim().split('\n').at(-1)!);
    expect(summary.stopReason).toBe('early-stopped');
    const killed = join(tmp, 'run-killed');
    const signal = await new Promise<string | null>((done) => {
      const child = spawn(process.execPath, [bin, 'train', ...flags, '--out', killed], { cwd: tmp, stdio: ['ignore', 'pipe', 'ignore'] });
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const l of lines) if (l.startsWith('{"type":"evaluation"') && (JSON.parse(l).sinceBest ?? 0) >= 2) child.kill('SIGKILL');
      });
      child.on('exit', (_code, sig) => done(sig));
    });
    expect(signal).toBe('SIGKILL');
    expect(existsSync(join(killed, 'summary.json'))).toBe(false);
    const r = cli('train', '--resume', killed, '--patience', '8', '--json');
    expect(r.code, r.stderr).toBe(0);
    const after = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    for (const k of ['steps', 'stopReason', 'bestStep', 'restoredBest', 'valLoss', 'metrics']) expect(after[k], k).toEqual(summary[k]);
    expect(Array.from(readCheckpoint(join(killed, 'checkpoint.bin')).params)).toEqual(Array.from(readCheckpoint(join(whole, 'checkpoint.bin')).params));
  }, 120_000);
});

describe('seqstudio predict', () => {
  it('generates text from a trained character model, in the data’s own characters', () => {
    const r = cli('predict', join(tmp, 'run-text'), '--input', 'the ', '--length', '40', '--json');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p).toMatchObject({ type: 'prediction', kind: 'text', prime: 'the ' });
    expect(p.text).toHaveLength(40);
    expect([...p.text].every((c: string) => 'the quickbrownfxjmpsvlazydg. '.includes(c))).toBe(true);
    // greedy decoding is deterministic
    const a = cli('predict', join(tmp, 'run-text'), '--input', 'the ', '--length', '20', '--temperature', '0').stdout;
    expect(cli('predict', join(tmp, 'run-text'), '--input', 'the ', '--length', '20', '--temperature', '0').stdout).toBe(a);
  });

  it('forecasts the next values of a series in its own units', () => {
    const history = Array.from({ length: 12 }, (_, i) => (Math.sin((388 + i) / 5) * 10 + 50).toFixed(3)).join(',');
    const r = cli('predict', join(tmp, 'run-csv'), '--input', history, '--length', '3', '--json');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.kind).toBe('series');
    expect(p.forecast).toHaveLength(3);
    for (const v of p.forecast) expect(v).toBeGreaterThan(30); // the series lives in [40, 60]
  });

  it('refuses characters the model never saw, and folders that are not runs', () => {
    const r = cli('predict', join(tmp, 'run-text'), '--input', 'Ω');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"Ω" never occurs in the training text/);
    expect(cli('predict', tmp).stderr).toMatch(/not a run folder/);
  });
});

describe('seqstudio export', () => {
  const example = join(root, 'examples/deploy-onnx.mjs');
  const node = (...args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', cwd: tmp, timeout: 120_000 });

  it('a word-level language model (text prepared as Penn Treebank is): proposed by words, trained, generated, exported and generated alike in onnxruntime', () => {
    // PTB's shape: one sentence a line, lower case, punctuation apart, numbers as N, rare words as <unk>
    const rng = new Rng(7);
    const subjects = ['the company', 'the market', 'the president', 'a spokesman', 'the bank', 'investors'];
    const verbs = ['said', 'expects', 'reported', 'bought', 'sold', 'plans'];
    const objects = ['N shares', 'the <unk> stake', 'a new unit', 'N million', 'its bonds', 'the <unk> deal'];
    const pick = (xs: string[]): string => xs[Math.floor(rng.next() * xs.length)];
    const lines = Array.from({ length: 1500 }, () => ` ${pick(subjects)} ${pick(verbs)} ${pick(objects)} , ${pick(subjects)} ${pick(verbs)} . `);
    const ptb = join(tmp, 'ptb.train.txt');
    writeFileSync(ptb, `${lines.join('\n')}\n`);
    const inspect = cli('inspect', ptb);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/proposal: many-to-many — learn to continue the text word by word/);
    expect(inspect.stdout).toMatch(/rare words already replaced by <unk>/);
    const out = join(tmp, 'run-words');
    const r = cli('train', '--data', ptb, '--steps', '150', '--hidden', '32', '--batch', '8', '--lr', '0.01', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const done = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const summary = done.at(-1);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.transforms).toMatchObject({ kind: 'text', tokens: 'word' });
    expect(run.transforms.vocabulary).toEqual(expect.arrayContaining(['<unk>', '\n', 'company', ',', 'N']));
    // the grammar's words are far more predictable than their frequencies say
    expect(summary.metrics.perplexity).toBeLessThan(0.6 * summary.baseline.metrics.perplexity);
    const p = JSON.parse(cli('predict', out, '--input', 'the market', '--length', '12', '--temperature', '0', '--json').stdout);
    expect(p).toMatchObject({ type: 'prediction', kind: 'text', prime: 'the market' });
    expect(p.text).toMatch(/^ \S/); // words go on after the prime, a space apart
    expect(p.text.trim().split(/\s+/).every((w: string) => run.transforms.vocabulary.includes(w))).toBe(true);
    // a word never seen reads as <unk> (not refused: the model was trained with <unk>)
    expect(cli('predict', out, '--input', 'the zebra', '--length', '3').code).toBe(0);
    const onnx = join(tmp, 'onnx-words', 'words.onnx');
    const e = cli('export', out, '--out', onnx, '--streaming', '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout.trim())).toMatchObject({ ok: true, tokensAgree: true, streaming: true });
    const side = JSON.parse(readFileSync(join(tmp, 'onnx-words', 'words.json'), 'utf8'));
    expect(side.preprocessing).toMatchObject({ kind: 'text', tokens: 'word', unknown: 0, lineEnd: '\n' });
    for (const input of ['the market', 'the zebra said']) {
      const want = cli('predict', out, '--input', input, '--length', '20', '--temperature', '0').stdout;
      const got = node(example, onnx, '--input', input, '--length', '20', '--temperature', '0');
      expect(got.stderr).toBe('');
      expect(got.stdout).toBe(want);
    }
  }, 120_000);

  it('exports the character model for streaming, proves it in onnxruntime, and the deploy example generates what predict generates', () => {
    const out = join(tmp, 'onnx-text', 'char.onnx');
    const r = cli('export', join(tmp, 'run-text'), '--out', out, '--streaming', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout.trim());
    expect(e).toMatchObject({ type: 'export', opset: 17, files: [out, join(tmp, 'onnx-text', 'char.json')], tokensAgree: true, ok: true, streaming: true, checkedOn: 'validation' });
    expect(e.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(e.checkedSamples).toBeGreaterThan(0);
    expect(e.graph[0]).toMatchObject({ name: 'model', inputs: ['tokens', 'initial_h', 'initial_c'], outputs: ['logits', 'probabilities', 'final_h', 'final_c'] });
    expect(e.graph[0].operators).toContain('LSTM');
    expect(e.graph[0].initializers).toEqual(expect.arrayContaining(['embed', 'l0.W_iofc', 'l0.R_iofc', 'l0.B_iofc', 'head.Wy_T', 'head.by']));
    const side = JSON.parse(readFileSync(join(tmp, 'onnx-text', 'char.json'), 'utf8'));
    expect(side).toMatchObject({ format: 'sequence-studio-onnx', shape: 'many-to-many', streaming: true, preprocessing: { kind: 'text', tokens: 'char' } });
    expect(side.preprocessing.vocabulary).toEqual(JSON.parse(readFileSync(join(tmp, 'run-text', 'run.json'), 'utf8')).transforms.vocabulary);
    expect(side.verification).toMatchObject({ maxAbsDiff: e.maxAbsDiff, checkedSamples: e.checkedSamples, tokensAgree: true, ok: true });
    const want = cli('predict', join(tmp, 'run-text'), '--input', 'the ', '--length', '30', '--temperature', '0').stdout;
    const got = node(example, out, '--input', 'the ', '--length', '30', '--temperature', '0');
    expect(got.stderr).toBe('');
    expect(got.stdout).toBe(want);
  });

  it('exports a forecaster by default into RUN_DIR/export, and the deploy example forecasts in the data units like predict', () => {
    const r = cli('export', join(tmp, 'run-csv'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/max \|difference\| from the trainer \d\.\d+e-\d+/);
    const model = join(tmp, 'run-csv', 'export', 'model.onnx');
    expect(existsSync(model)).toBe(true);
    const side = JSON.parse(readFileSync(join(tmp, 'run-csv', 'export', 'model.json'), 'utf8'));
    expect(side.preprocessing).toMatchObject({ kind: 'series', lookback: 12, horizon: 1 });
    expect(side.output).toMatchObject({ kind: 'values', denormalise: 'value = output · std + mean' });
    const history = Array.from({ length: 12 }, (_, i) => (Math.sin((388 + i) / 5) * 10 + 50).toFixed(3)).join(',');
    const want = JSON.parse(cli('predict', join(tmp, 'run-csv'), '--input', history, '--length', '3', '--json').stdout).forecast as number[];
    const got = JSON.parse(node(example, model, '--input', history, '--length', '3', '--json').stdout).forecast as number[];
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-3));
  });

  it('rejects a folder that is not a run, a run without a checkpoint, an unwritable path and a non-.onnx name: one line, exit 2', () => {
    const noCkpt = join(tmp, 'run-no-checkpoint');
    mkdirSync(noCkpt, { recursive: true });
    writeFileSync(join(noCkpt, 'run.json'), readFileSync(join(tmp, 'run-text', 'run.json')));
    const blocker = join(tmp, 'a-file');
    writeFileSync(blocker, 'x');
    const cases: [string[], RegExp][] = [
      [['export', join(tmp, 'no-such-run')], /not a run folder/],
      [['export', noCkpt], /no checkpoint/],
      [['export', join(tmp, 'run-text'), '--out', join(blocker, 'm.onnx')], /cannot write .*m\.onnx/],
      [['export', join(tmp, 'run-text'), '--out', join(tmp, 'm.txt')], /name a \.onnx file/],
      [['export'], /export needs one RUN_DIR/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('seqstudio bench', () => {
  it('times a configuration and prints a JSON line', () => {
    const r = cli('bench', '--config', 'D', '--seconds', '0.3', '--json');
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n')[0]);
    expect(line).toMatchObject({ type: 'bench', config: 'D', workers: 1 });
    expect(line.tokensPerSecond).toBeGreaterThan(0);
    expect(line.gflops).toBeGreaterThan(0);
  });
  it('--workers 1,2 times both counts in one invocation and prints the speed-up', () => {
    const r = cli('bench', '--config', 'D', '--seconds', '0.2', '--workers', '1,2', '--json');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const one = lines.find((l) => l.type === 'bench' && l.workers === 1);
    const two = lines.find((l) => l.type === 'bench' && l.workers === 2);
    const scaling = lines.find((l) => l.type === 'bench-scaling');
    expect(one.tokensPerSecond).toBeGreaterThan(0);
    expect(two.tokensPerSecond).toBeGreaterThan(0);
    expect(scaling).toMatchObject({ config: 'D', workers: 2, baseWorkers: 1 });
    expect(scaling.speedup).toBeCloseTo(two.tokensPerSecond / one.tokensPerSecond, 10);
    const text = cli('bench', '--config', 'D', '--seconds', '0.1', '--workers', '1,2');
    expect(text.stdout).toMatch(/D\s+2 workers ÷ 1: [\d.]+×/);
    const twice = cli('bench', '--workers', '2,2');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--workers 2,2: give each count once/);
  });
  it.skipIf(!HAS_TORCH)('--vs-pytorch: PyTorch at its best and said so, rounds interleaved, the median ratio with its spread', () => {
    // the caller's environment slows OpenBLAS (as on machines of our kind): PyTorch is timed with it unset, and with it
    const slowing = { ...process.env, OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512' };
    const r = cliIn(slowing, ['bench', '--config', 'D', '--seconds', '0.2', '--vs-pytorch', '--rounds', '2', '--profile', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const env = lines.find((l) => l.type === 'pytorch-env');
    expect(env).toMatchObject({ blasKind: 'openblas', callerHad: { OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512' }, callerCore: 'Haswell', malloc: 'kept' });
    expect(env.blas).toMatch(/^OpenBLAS \d/);
    expect(env.core).toMatch(/^[A-Za-z0-9]+$/); // an OpenBLAS core name: Cooperlake, SkylakeX, Haswell…
    const line = lines.find((l) => l.type === 'bench');
    expect(line).toMatchObject({ config: 'D', workers: 1, rounds: 2, pytorchThreads: 1 });
    expect(['best', 'caller']).toContain(line.pytorchBlasEnv);
    expect(line.ratioMin).toBeLessThanOrEqual(line.ratio);
    expect(line.ratio).toBeLessThanOrEqual(line.ratioMax);
    // --profile: the step's ceiling, profiled in every round, against PyTorch and against ours
    expect(line.ceilingRatioMin).toBeLessThanOrEqual(line.ceilingRatio);
    expect(line.ceilingRatio).toBeLessThanOrEqual(line.ceilingRatioMax);
    expect(line.ceilingRatio).toBeCloseTo(line.ceilingTokensPerSecond / line.pytorchTokensPerSecond, 0);
    expect(line.ofCeiling).toBeGreaterThan(0.2);
    expect(line.ofCeiling).toBeLessThan(1.2);
    expect(line.cachedGemmOfFmaMin).toBeLessThanOrEqual(line.cachedGemmOfFma);
    expect(line.cachedGemmOfFma).toBeGreaterThan(0.2);
    const text = cli('bench', '--config', 'D', '--seconds', '0.1', '--vs-pytorch', '--rounds', '1', '--profile');
    expect(text.stdout).toMatch(/D\s+ceiling\s+[\d,]+ tok\/s \(every GEMM FLOP at the FMA peak, the rest as measured\) = [\d.]+× PyTorch; ours at \d+% of it; the host: GEMM on cached operands at \d+% of the FMA loop/);
    expect(text.stdout).toMatch(/PyTorch \S+ ran on OpenBLAS \d[^\n]*core /);
    expect(text.stdout).toMatch(/D\s+ours\s+1w\s+[\d,]+ tok\/s\s+PyTorch\s+[\d,]+ tok\/s .* ratio [\d.]+×/);
  });
  it('tells OpenBLAS, MKL and the reference BLAS apart, refuses the reference one, and keeps malloc from returning memory (tools/torch_blas_test.py)', () => {
    const r = spawnSync('/usr/bin/python3', [join(root, 'tools/torch_blas_test.py')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Ran 6 tests/);
  });
  it('rejects an unknown configuration', () => {
    const r = cli('bench', '--config', 'Z');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--config Z: expected one of A, B, C, D/);
  });
  it('--profile prints where a step goes under the result', () => {
    const r = cli('bench', '--config', 'D', '--seconds', '0.2', '--profile');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('profile D:'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toMatch(/^\s+D\s+[\d,]+ tok\/s/); // right after the result line
    expect(lines[at]).toMatch(/ms\/step \(instrumented [\d.]+\), \d+ JS→WASM calls\/step/);
    expect(r.stdout).toMatch(/%\s+[\d.]+ ms\s+GEMM: /);
    expect(r.stdout).toMatch(/recurrent forward: step GEMMs/);
    expect(r.stdout).toMatch(/of the WASM SIMD peak [\d.]+ GFLOP\/s/);
    expect(r.stdout).toMatch(/ceiling: [\d,]+ tok\/s with every GEMM FLOP of this step at the FMA peak/);
  });
  it('--profile --json carries the breakdown in the line', () => {
    const r = cli('bench', '--config', 'D', '--seconds', '0.2', '--profile', '--json');
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n')[0]);
    expect(line.profile.config).toBe('D');
    expect(line.profile.entries.some((e: { what: string }) => e.what.startsWith('GEMM'))).toBe(true);
    expect(line.profile.peak.fmaGflops).toBeGreaterThan(0);
  });
  it('--generate times generation beside onnxruntime and checks the tokens agree', () => {
    const r = cli('bench', '--generate', '--config', 'A', '--tokens', '40');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^generate A\s+ours\s+[\d,]+ tok\/s\s+onnxruntime\s+[\d,]+ tok\/s\s+ratio [\d.]+×\s+tokens agree/m);
    const j = cli('bench', '--generate', '--config', 'B-GRU', '--tokens', '20', '--json');
    expect(j.code).toBe(0);
    const line = JSON.parse(j.stdout.trim().split('\n')[0]);
    expect(line).toMatchObject({ type: 'bench-generate', config: 'B-GRU', tokens: 20, tokensAgree: true, onnxruntimeThreads: 1 });
    expect(line.tokensPerSecond).toBeGreaterThan(0);
    expect(line.onnxruntimeTokensPerSecond).toBeGreaterThan(0);
  });
  it('--generate decodes an encoder–decoder configuration greedily and with beam 4 beside onnxruntime, one sentence at a time', () => {
    const j = cli('bench', '--generate', '--config', 'ED-LUONG', '--sentences', '2', '--json');
    expect(j.stderr).toBe('');
    expect(j.code).toBe(0);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.config, l.search, l.width, l.lengthPenalty, l.batch, l.sentences, l.tokensAgree])).toEqual([
      ['ED-LUONG', 'greedy', 1, 0, 1, 2, true],
      ['ED-LUONG', 'beam', 4, 1, 1, 2, true],
    ]);
    for (const l of lines) for (const k of ['tokensPerSecond', 'sentencesPerSecond', 'onnxruntimeTokensPerSecond', 'onnxruntimeSentencesPerSecond']) expect(l[k]).toBeGreaterThan(0);
  });
  it('--generate refuses a numeric configuration and flags of the training benchmark', () => {
    const d = cli('bench', '--generate', '--config', 'D');
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--config D: --generate needs a text configuration/);
    const w = cli('bench', '--generate', '--workers', '2');
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--workers does not apply to --generate/);
    const a = cli('bench', '--generate', '--config', 'ATT');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--config ATT: --generate needs a text configuration/);
  });
  it('times the attention configuration beside PyTorch’s implementation of the same equations (--vs-pytorch)', () => {
    const r = cli('bench', '--config', 'ATT', '--seconds', '0.2', '--vs-pytorch', '--rounds', '1', '--json');
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(line).toMatchObject({ type: 'bench', config: 'ATT', workers: 1, pytorchThreads: 1 });
    expect(line.tokensPerSecond).toBeGreaterThan(0);
    expect(line.pytorchTokensPerSecond).toBeGreaterThan(0);
    expect(line.ratio).toBeCloseTo(line.tokensPerSecond / line.pytorchTokensPerSecond, 9);
  });
});

describe('the importer from the command line', () => {
  const labelled = join(tmp, 'reviews.txt');
  // Sentence ⇥ label, like the sentiment datasets: many distinct sentences, two classes.
  const nouns = ['food', 'staff', 'service', 'place', 'pizza', 'waiter', 'room', 'coffee', 'bread', 'music'];
  const good = ['great', 'lovely', 'wonderful', 'friendly', 'tasty'];
  const bad = ['awful', 'rude', 'terrible', 'cold', 'dirty'];
  const lines: string[] = [];
  for (let i = 0; i < 150; i++) {
    const positive = i % 2 === 1;
    const adj = (positive ? good : bad)[Math.floor(i / 3) % 5];
    lines.push(`the ${nouns[i % 10]} was really ${adj} and the ${nouns[Math.floor(i / 10) % 10]} too\t${positive ? 1 : 0}`);
  }
  writeFileSync(labelled, lines.join('\n') + '\n');

  it('inspects a file and proposes a shape, target and preview', () => {
    const r = cli('inspect', labelled, '--json');
    expect(r.code).toBe(0);
    const x = JSON.parse(r.stdout);
    expect(x.format).toBe('tsv');
    expect(x.proposal.shape).toBe('many-to-one');
    expect(x.proposal.classes.map((c: { value: string }) => c.value).sort()).toEqual(['0', '1']);
    expect(x.proposal.preview.length).toBeGreaterThan(0);
    expect(cli('inspect', labelled).stdout).toMatch(/training pairs as the model sees them/);
  });

  it('inspect with override flags says what train would build from them, and rejects impossible ones', () => {
    const r = cli('inspect', labelled, '--tokens', 'char');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/with your choices: many-to-one — .*char tokens/);
    expect(r.stdout).toMatch(/baseline to beat \(majority class/);
    const bad = cli('inspect', labelled, '--target', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--target nope: no such column/);
  });

  it('trains a sentence classifier on the proposal, beats the majority baseline, and classifies new text', () => {
    const out = join(tmp, 'run-cls');
    const r = cli('train', '--data', labelled, '--steps', '80', '--hidden', '16', '--lr', '0.01', '--out', out, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(s.baseline.metrics.accuracy).toBeLessThan(0.7);
    expect(s.metrics.accuracy).toBeGreaterThan(s.baseline.metrics.accuracy);
    const p = JSON.parse(cli('predict', out, '--input', 'the coffee was really wonderful and the room too', '--json').stdout);
    expect(p).toMatchObject({ kind: 'classify', label: '1' });
  });

  it('classifies a pair of texts together (premise, hypothesis, label): the label needs both; predict, export and the deploy example agree', () => {
    // entailment when the hypothesis names the premise's animal, contradiction otherwise: neither text alone tells
    const rng = new Rng(11);
    const animals = ['dog', 'cat', 'horse', 'bird', 'cow', 'fox'];
    const places = ['in a park', 'on a farm', 'near the river', 'in the snow'];
    const rows = ['premise,hypothesis,label'];
    for (let i = 0; i < 2000; i++) {
      const a = animals[rng.int(animals.length)];
      const same = rng.next() < 0.5;
      const b = same ? a : animals.filter((x) => x !== a)[rng.int(animals.length - 1)];
      const colour = ['brown', 'white', 'black', 'grey', 'small', 'old'];
      rows.push(`A ${colour[rng.int(6)]} ${a} runs ${places[rng.int(places.length)]} at ${1 + rng.int(12)} o'clock.,There is a ${colour[rng.int(6)]} ${b} outside on day ${1 + rng.int(300)}.,${same ? 'entailment' : 'contradiction'}`);
    }
    const snli = join(tmp, 'snli.csv');
    writeFileSync(snli, `${rows.join('\n')}\n`);
    expect(cli('inspect', snli).stdout).toMatch(/proposal: many-to-one — classify "premise" and "hypothesis" together into "label" \(2 classes\)/);
    const out = join(tmp, 'run-pair');
    const r = cli('train', '--data', snli, '--steps', '1200', '--hidden', '32', '--lr', '0.01', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(s.metrics.accuracy).toBeGreaterThan(0.9); // one text alone scores about 0.5
    const ask = (premise: string, hypothesis: string) => JSON.parse(cli('predict', out, '--input', `${premise}\t${hypothesis}`, '--json').stdout);
    expect(ask('A white cat runs in a park at 3 o\'clock.', 'There is a black cat outside on day 7.').label).toBe('entailment');
    expect(ask('A white cat runs in a park at 3 o\'clock.', 'There is a small horse outside on day 7.').label).toBe('contradiction');
    const one = cli('predict', out, '--input', 'A cat runs in a park.');
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/give 2 texts \(premise, hypothesis\), one a line or TAB-separated; got 1/);
    const onnx = join(tmp, 'onnx-pair', 'pair.onnx');
    const e = cli('export', out, '--out', onnx, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'onnx-pair', 'pair.json'), 'utf8')).preprocessing).toMatchObject({ kind: 'classify', texts: ['premise', 'hypothesis'], separator: '<sep>' });
    const example = join(root, 'examples/deploy-onnx.mjs');
    for (const input of ['A dog runs near the river.\nThere is a dog outside on day 3.', 'A fox runs in the snow.\tThere is a cow outside.']) {
      const want = cli('predict', out, '--input', input).stdout;
      const got = spawnSync(process.execPath, [example, onnx, '--input', input], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });
      expect(got.stderr).toBe('');
      expect(got.stdout).toBe(want);
    }
  }, 120_000);

  it('trains word → phonemes on the proposal (characters → symbols), and predict decodes by beam search, greedily or sampled, saying which', () => {
    // a made-up pronunciation: each letter one phoneme (CMU-style symbols), words of 3–6 letters
    const sound: Record<string, string> = { a: 'AE1', b: 'B', d: 'D', e: 'EH1', k: 'K', m: 'M', o: 'OW1', s: 'S', t: 'T', u: 'UW1' };
    const letters = Object.keys(sound);
    const rng = new Rng(7);
    const words = new Set<string>();
    while (words.size < 400) words.add(Array.from({ length: 3 + rng.int(4) }, () => letters[rng.int(letters.length)]).join(''));
    const dict = join(tmp, 'pron.tsv');
    writeFileSync(dict, [...words].map((w) => `${w}\t${[...w].map((c) => sound[c]).join(' ')}`).join('\n') + '\n');
    expect(cli('inspect', dict).stdout).toMatch(/--tokens char --target-tokens word/);
    const out = join(tmp, 'run-pron');
    const r = cli('train', '--data', dict, '--steps', '150', '--hidden', '32', '--lr', '0.01', '--eval-every', '0', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(s.metrics.tokenErrorRate).toBeLessThan(s.baseline.metrics.tokenErrorRate);
    expect(s.metrics.bleu).toBeUndefined(); // symbols, not sentences: no BLEU
    expect(s.beam).toMatchObject({ width: 4, lengthPenalty: 1 });
    expect(s.beam.metrics.tokenErrorRate).toBeGreaterThanOrEqual(0);
    const beam = JSON.parse(cli('predict', out, '--input', 'bateau', '--json').stdout);
    expect(beam).toMatchObject({ kind: 'translate', decoding: { kind: 'beam', width: 4, lengthPenalty: 1 } });
    expect(beam.output).toMatch(/^[A-Z]+[01]?( [A-Z]+[01]?)*$/);
    expect(beam.alternatives.length).toBeLessThanOrEqual(3);
    const greedy = JSON.parse(cli('predict', out, '--input', 'bateau', '--beam', '1', '--json').stdout);
    expect(greedy).toMatchObject({ kind: 'translate', decoding: { kind: 'greedy' } });
    expect(greedy.alternatives).toBeUndefined();
    expect(cli('predict', out, '--input', 'bateau', '--beam', '3', '--length-penalty', '0').stdout).toMatch(/\(beam search, width 3, length penalty 0/);
    const both = cli('predict', out, '--input', 'bateau', '--beam', '2', '--temperature', '0.5');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--beam and --length-penalty choose a beam search, --temperature 0.5 samples instead/);
    expect(cli('predict', out, '--input', 'bateau', '--beam', '0').stderr).toMatch(/--beam 0: expected an integer from 1 to 64/);
  });

  it('trains on a long-format table of sequences and classifies the sequences of a file', () => {
    const long = join(tmp, 'moves.csv');
    const rows = ['sequence_id,step,signal,class_label'];
    for (let q = 1; q <= 60; q++) for (let t = 0; t < 8; t++) rows.push(`${q},${t},${((q % 2 ? 1 : -1) * (0.5 + 0.1 * t) + 0.05 * Math.sin(q * t)).toFixed(4)},${q % 2 ? 'up' : 'down'}`);
    writeFileSync(long, rows.join('\n') + '\n');
    const out = join(tmp, 'run-seq');
    const r = cli('train', '--data', long, '--steps', '60', '--hidden', '8', '--lr', '0.02', '--out', out, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(s.metrics.accuracy).toBeGreaterThan(s.baseline.metrics.accuracy);
    const p = JSON.parse(cli('predict', out, '--file', long, '--json').stdout);
    expect(p.kind).toBe('sequences');
    expect(p.labels).toHaveLength(60);
    expect(p.labels.filter((l: { id: string; label: string }) => l.label === (Number(l.id) % 2 ? 'up' : 'down')).length).toBeGreaterThan(50);
  });
  it('trains a BIO tagger and reports entity precision, recall and F1 beside per-token accuracy, in every place a run reports metrics', () => {
    // person names follow "met", places follow "in"; two-word names carry I- tags
    const ner = join(tmp, 'ner.conll');
    const names = ['Ann Lee', 'Bob', 'Cleo Moss', 'Dev', 'Eve Hart'];
    const places = ['Oslo', 'Lima', 'Kyoto'];
    const sents: string[] = [];
    for (let i = 0; i < 120; i++) {
      const rows = ['we\tO', i % 3 ? 'met\tO' : 'went\tO'];
      if (i % 3) names[i % 5].split(' ').forEach((w, k) => rows.push(`${w}\t${k ? 'I' : 'B'}-person`));
      else rows.push('to\tO', `${places[i % 3 === 0 ? (i / 3) % 3 : 0]}\tB-location`);
      rows.push('today\tO');
      sents.push(rows.join('\n'));
    }
    writeFileSync(ner, sents.join('\n\n') + '\n');
    const out = join(tmp, 'run-ner');
    const r = cli('train', '--data', ner, '--steps', '60', '--hidden', '16', '--lr', '0.02', '--bidirectional', '--out', out, '--json');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const evaluations = lines.filter((l) => l.type === 'evaluation');
    expect(evaluations.length).toBeGreaterThan(0);
    for (const e of evaluations) expect(Object.keys(e.metrics)).toEqual(['entityF1', 'entityPrecision', 'entityRecall', 'accuracy']);
    const s = lines.at(-1);
    expect(s.type).toBe('summary');
    expect(s.metrics.entityF1).toBeGreaterThan(0.5);
    expect(s.baseline.metrics).toHaveProperty('entityF1');
    expect(s.baseline.metrics).toHaveProperty('accuracy');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).metrics.entityF1).toBe(s.metrics.entityF1);
    const logged = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(logged.filter((m) => m.type === 'evaluation').every((m) => m.metrics.entityF1 >= 0 && m.metrics.entityF1 <= 1)).toBe(true);
    // the plain output: progress and summary lines carry entity F1; predict lists the entities of its tags
    const plain = cli('train', '--data', ner, '--steps', '50', '--hidden', '16', '--lr', '0.02', '--out', join(tmp, 'run-ner-plain'));
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/but entity F1 0 \(it finds no entity\)/);
    expect(plain.stdout).toMatch(/step 50\/50 .* entity F1 \d\.\d{3} /);
    expect(plain.stdout).toMatch(/done: .*entityF1 [\d.]+, entityPrecision [\d.]+, entityRecall [\d.]+, accuracy [\d.]+/);
    expect(plain.stdout).toMatch(/baseline \(most frequent tag per token\): entityF1 [\d.]+, .*accuracy/);
    const p = cli('predict', out, '--input', 'we met Cleo Moss today');
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/^we\tO\n/);
    expect(p.stdout).toMatch(/\nentities: (none|[\w-]+ ".+"(, [\w-]+ ".+")*)\n$/);
  });

  it('train --resume RUN_DIR refuses what it cannot do, in one line', () => {
    const none = cli('train', '--resume', join(tmp, 'no-such-run'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--resume .*no-such-run: no checkpoint\.bin there/);
    const extra = cli('train', '--resume', join(tmp, 'no-such-run'), '--lr', '0.1');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/--lr cannot change it \(only --steps, --workers and --json/);
  });
});

describe('pairs with attention, from training to the deploy example', () => {
  const example = join(root, 'examples/deploy-onnx.mjs');
  const node = (...args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', cwd: tmp, timeout: 120_000 });

  it('trains with the default attention, exports the encoder’s memory and the attending decoder, and the deploy example translates as predict does', () => {
    const pairs = join(tmp, 'fra.tsv');
    writeFileSync(pairs, readFileSync(join(root, 'resources/samples/eng-fra.tsv'), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
    const run = join(tmp, 'run-fra');
    const t = cli('train', '--data', pairs, '--hidden', '16', '--steps', '30', '--workers', '1', '--out', run);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/with Bahdanau additive attention/);
    expect(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).spec.attention).toBe('bahdanau');
    // the diagnostics carry where the decoder looked on each of the first 6 validation pairs (the studio lets a person
    // choose which to watch): one row per output token, each summing to 1 over that source's tokens
    const diagnostics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'diagnostics');
    const alignments = diagnostics.at(-1).alignments;
    expect(alignments).toHaveLength(6);
    expect(new Set(alignments.map((a: { source: string[] }) => a.source.join(''))).size).toBeGreaterThan(1);
    for (const alignment of alignments) {
      expect(alignment.source.length).toBeGreaterThan(0);
      expect(alignment.target.length).toBeGreaterThan(0);
      expect(alignment.weights).toHaveLength(alignment.target.length * alignment.source.length);
      for (let y = 0; y < alignment.target.length; y++) {
        const row = alignment.weights.slice(y * alignment.source.length, (y + 1) * alignment.source.length);
        expect(row.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 2);
      }
      expect(alignment.reference.length).toBeGreaterThan(0);
    }
    const model = join(tmp, 'onnx-fra', 'fra.onnx');
    const e = cli('export', run, '--out', model, '--json');
    expect(e.code).toBe(0);
    const rep = JSON.parse(e.stdout.trim());
    expect(rep).toMatchObject({ ok: true, tokensAgree: true });
    expect(rep.graph[1].inputs).toEqual(['tokens', 'initial_h', 'memory', 'source_lengths']);
    for (const input of ['I am cold.', 'Go.']) {
      const want = JSON.parse(cli('predict', run, '--input', input, '--json').stdout);
      // the prediction says where the decoder looked: one row per decoded token over the input's tokens
      expect(want.alignment.source.length).toBeGreaterThan(0);
      expect(want.alignment.weights).toHaveLength(want.alignment.source.length * want.alignment.target.length);
      const got = JSON.parse(node(example, model, '--input', input, '--json').stdout);
      expect(got).toMatchObject({ kind: 'translate', input, output: want.output });
      // the same beam search (width 4, α 1 by default) finds the same hypotheses, in the same order; width 1 is greedy
      expect(got.decoding).toEqual(want.decoding);
      expect(got.alternatives.map((a: { output: string }) => a.output)).toEqual(want.alternatives.map((a: { output: string }) => a.output));
      const greedy = JSON.parse(cli('predict', run, '--input', input, '--beam', '1', '--json').stdout);
      expect(JSON.parse(node(example, model, '--input', input, '--beam', '1', '--json').stdout)).toMatchObject({ output: greedy.output, decoding: { kind: 'greedy' } });
      const wide = JSON.parse(cli('predict', run, '--input', input, '--beam', '6', '--length-penalty', '0.5', '--json').stdout);
      expect(JSON.parse(node(example, model, '--input', input, '--beam', '6', '--length-penalty', '0.5', '--json').stdout)).toMatchObject({ output: wide.output, decoding: wide.decoding });
    }
    const none = cli('train', '--data', pairs, '--hidden', '16', '--steps', '5', '--workers', '1', '--attention', 'none', '--out', join(tmp, 'run-fra-none'));
    expect(none.code).toBe(0);
    expect(none.stdout).not.toMatch(/with (Bahdanau additive|Luong general|Luong dot) attention/);
    const noneDiagnostics = readFileSync(join(tmp, 'run-fra-none', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'diagnostics');
    expect(noneDiagnostics.every((r) => r.alignments === undefined && r.alignment === undefined)).toBe(true);
    const bad = cli('train', '--data', pairs, '--attention', 'sideways');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--attention sideways/);
    const dot = cli('train', '--data', pairs, '--attention', 'luong-dot', '--bidirectional', '--hidden', '8', '--steps', '2', '--out', join(tmp, 'run-fra-dot'));
    expect(dot.code).toBe(2);
    expect(dot.stderr).toMatch(/--attention luong-dot: dot attention needs the encoder's outputs \(16 wide\) as wide as the decoder's state \(8\)/);
  });

  it('--input-feeding: trains, exports the decoder with attentional_in/_out, the deploy example translates as predict does; refused without attention and by bundle', () => {
    const pairs = join(tmp, 'fra-fed.tsv');
    writeFileSync(pairs, readFileSync(join(root, 'resources/samples/eng-fra.tsv'), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
    const run = join(tmp, 'run-fra-fed');
    const t = cli('train', '--data', pairs, '--hidden', '16', '--steps', '30', '--workers', '1', '--input-feeding', '--out', run);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/with Bahdanau additive attention and input feeding/);
    expect(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).spec).toMatchObject({ attention: 'bahdanau', inputFeeding: true });
    const model = join(tmp, 'onnx-fra-fed', 'fra.onnx');
    const e = cli('export', run, '--out', model, '--json');
    expect(e.code).toBe(0);
    const rep = JSON.parse(e.stdout.trim());
    expect(rep).toMatchObject({ ok: true, tokensAgree: true });
    expect(rep.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(rep.graph[1].inputs).toEqual(['tokens', 'initial_h', 'memory', 'source_lengths', 'attentional_in']);
    expect(rep.graph[1].outputs).toContain('attentional_out');
    for (const input of ['I am cold.', 'Go.']) {
      const want = JSON.parse(cli('predict', run, '--input', input, '--json').stdout);
      const got = JSON.parse(node(example, model, '--input', input, '--json').stdout);
      expect(got).toMatchObject({ kind: 'translate', input, output: want.output, decoding: want.decoding });
      expect(got.alternatives.map((a: { output: string }) => a.output)).toEqual(want.alternatives.map((a: { output: string }) => a.output));
      const greedy = JSON.parse(cli('predict', run, '--input', input, '--beam', '1', '--json').stdout);
      expect(JSON.parse(node(example, model, '--input', input, '--beam', '1', '--json').stdout)).toMatchObject({ output: greedy.output, decoding: { kind: 'greedy' } });
    }
    const none = cli('train', '--data', pairs, '--attention', 'none', '--input-feeding', '--steps', '2', '--out', join(tmp, 'run-fra-fed-none'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--input-feeding: input feeding feeds the previous step's attentional state h̃ back into the decoder; with attention none there is no h̃/);
    const b = cli('bundle', run, '--out', join(tmp, 'bundle-fed'));
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/does not yet support input feeding/);
  });
});

describe('tables: a multi-column series and long-format sequences, from training to the deploy example', () => {
  const example = join(root, 'examples/deploy-onnx.mjs');
  const node = (...args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', cwd: tmp, timeout: 120_000 });
  // y follows x two rows later: a model reading x and y can forecast y.
  const rows = Array.from({ length: 300 }, (_, i) => [day(i), (Math.sin(i / 6) * 5 + 20).toFixed(3), (Math.sin((i - 2) / 6) * 3 + 7).toFixed(3)]);
  const multi = join(tmp, 'multi.csv');
  writeFileSync(multi, 'date,x,y\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  const recent = join(tmp, 'multi-recent.csv');
  writeFileSync(recent, 'date,x,y\n' + rows.slice(-30).map((r, i) => (i === 25 ? [r[0], '', r[2]] : r).join(',')).join('\n') + '\n'); // one gap in x

  it('forecasts the target of a multi-column series from a file, refuses to feed it back, and the deploy example agrees', () => {
    const run = join(tmp, 'run-multi');
    const t = cli('train', '--data', multi, '--shape', 'many-to-one', '--target', 'y', '--input', 'x,y', '--lookback', '10', '--steps', '120', '--hidden', '16', '--out', run);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const p = JSON.parse(cli('predict', run, '--file', recent, '--json').stdout);
    expect(p).toMatchObject({ type: 'prediction', kind: 'series', column: 'y', history: 30 });
    expect(p.forecast).toHaveLength(1);
    expect(p.forecast[0]).toBeGreaterThan(3); // y lives in [4, 10]
    expect(p.forecast[0]).toBeLessThan(11);
    expect(p.recent).toHaveLength(30);
    const more = cli('predict', run, '--file', recent, '--length', '3');
    expect(more.code).toBe(2);
    expect(more.stderr).toMatch(/reads "x", "y" and forecasts only "y", so it cannot feed its forecasts back/);
    expect(cli('predict', run, '--file', text).stderr).toMatch(/expected a table|no numeric column "x"/);
    expect(cli('predict', run, '--input', '1,2,3').stderr).toMatch(/--input: this model reads rows of "x", "y"; give them as a table with --file/);
    const model = join(tmp, 'onnx-multi', 'multi.onnx');
    expect(cli('export', run, '--out', model).code).toBe(0);
    const got = JSON.parse(node(example, model, '--file', recent, '--json').stdout);
    expect(got).toMatchObject({ kind: 'series', column: 'y' });
    expect(Math.abs(got.forecast[0] - p.forecast[0])).toBeLessThan(1e-3);
  });

  it('differenced: trains on changes, forecasts levels (several steps, far from the training range), and the deploy example agrees', () => {
    // A trend with a wave: levels in validation lie above anything seen in training.
    const trend = join(tmp, 'trend.csv');
    const level = (i: number): number => 0.5 * i + Math.sin(i / 5) * 3;
    writeFileSync(trend, 'date,value\n' + Array.from({ length: 300 }, (_, i) => `${day(i)},${level(i).toFixed(3)}`).join('\n') + '\n');
    const seen = cli('inspect', trend, '--difference', '--lookback', '12');
    expect(seen.stdout).toMatch(/differenced: the model reads the change/);
    expect(seen.stdout).toMatch(/Δvalue [+−]?[\d.]+, .*→ {2}value 1 step ahead: last [+−] [\d.]+/);
    // proposed on its own: most validation targets lie above the training range
    expect(cli('inspect', trend, '--lookback', '12').stdout).toMatch(/as changes from the last value \(it trends\)[\s\S]*--difference/);
    expect(cli('inspect', trend, '--lookback', '12', '--no-difference').stdout).toMatch(/outside the range .* --difference/);
    const run = join(tmp, 'run-diff');
    const t = cli('train', '--data', trend, '--difference', '--lookback', '12', '--steps', '150', '--hidden', '16', '--out', run);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const recorded = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    expect(recorded.transforms).toMatchObject({ kind: 'series', difference: true, lookback: 12 });
    // 13 values far above the training range (1000 +): the forecast carries on from the last one
    const history = Array.from({ length: 13 }, (_, i) => (1000 + level(400 + i)).toFixed(3));
    const last = Number(history[12]);
    const p = JSON.parse(cli('predict', run, '--input', history.join(','), '--length', '3', '--json').stdout);
    expect(p.forecast).toHaveLength(3);
    for (const v of p.forecast) expect(Math.abs(v - last)).toBeLessThan(6);
    expect(cli('predict', run, '--input', history.slice(1).join(',')).stderr).toMatch(/windows of 12 changes \(13 values\)/);
    const model = join(tmp, 'onnx-diff', 'diff.onnx');
    expect(cli('export', run, '--out', model).code).toBe(0);
    const side = JSON.parse(readFileSync(join(tmp, 'onnx-diff', 'diff.json'), 'utf8'));
    expect(side.preprocessing).toMatchObject({ kind: 'series', difference: true, lookback: 12 });
    expect(side.preprocessing.steps.join(' ')).toMatch(/forecast = last value \+ change/);
    const got = JSON.parse(node(example, model, '--input', history.join(','), '--length', '3', '--json').stdout);
    got.forecast.forEach((v: number, i: number) => expect(Math.abs(v - p.forecast[i])).toBeLessThan(1e-3));
  });

  it('differenced multi-column: predict forecasts the level from a file, and the deploy example agrees', () => {
    const run = join(tmp, 'run-multi-diff');
    const t = cli('train', '--data', multi, '--shape', 'many-to-one', '--target', 'y', '--input', 'x,y', '--lookback', '10', '--difference', '--steps', '120', '--hidden', '16', '--out', run);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const p = JSON.parse(cli('predict', run, '--file', recent, '--json').stdout);
    expect(p).toMatchObject({ kind: 'series', column: 'y', history: 30 });
    expect(p.forecast[0]).toBeGreaterThan(3);
    expect(p.forecast[0]).toBeLessThan(11);
    const model = join(tmp, 'onnx-multi-diff', 'multi.onnx');
    expect(cli('export', run, '--out', model).code).toBe(0);
    const got = JSON.parse(node(example, model, '--file', recent, '--json').stdout);
    expect(Math.abs(got.forecast[0] - p.forecast[0])).toBeLessThan(1e-3);
  });

  it('labels each sequence of a long-format table, and the deploy example gives the same labels', () => {
    // Sequences of 6–12 steps; label "up" when the feature rises, "down" when it falls.
    const lines = ['id,t,a,label'];
    for (let s = 0; s < 80; s++) {
      const up = s % 2 === 0;
      const n = 6 + (s % 7);
      for (let i = 0; i < n; i++) lines.push(`s${s},${i},${((up ? i : n - i) / n + ((s * 7919 + i * 104729) % 13) / 130).toFixed(4)},${up ? 'up' : 'down'}`);
    }
    const table = join(tmp, 'seqs.csv');
    writeFileSync(table, lines.join('\n') + '\n');
    const run = join(tmp, 'run-seqs');
    const t = cli('train', '--data', table, '--sequence', 'id', '--step', 't', '--target', 'label', '--input', 'a', '--steps', '150', '--hidden', '16', '--out', run);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const p = JSON.parse(cli('predict', run, '--file', table, '--json').stdout);
    expect(p).toMatchObject({ kind: 'sequences', file: 'seqs.csv', sequences: 80 });
    expect(p.labels).toHaveLength(80);
    expect(p.labels.filter((l: { label: string; actual: string }) => l.label === l.actual).length).toBeGreaterThan(60); // it learnt up from down
    // Without --file: the run's own table, with the agreement counted.
    const own = cli('predict', run);
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(/^s0\t(up|down)\t[\d.]+%\t\(labelled up\)$/m);
    expect(own.stdout).toMatch(/^\d+ of 80 labelled sequences predicted as labelled \([\d.]+%\)$/m);
    const model = join(tmp, 'onnx-seqs', 'seqs.onnx');
    expect(cli('export', run, '--out', model).code).toBe(0);
    const got = JSON.parse(node(example, model, '--file', table, '--json').stdout);
    expect(got.kind).toBe('sequences');
    expect(got.labels.map((l: { id: string; label: string }) => [l.id, l.label])).toEqual(p.labels.map((l: { id: string; label: string }) => [l.id, l.label]));
    got.labels.forEach((l: { p: number }, i: number) => expect(Math.abs(l.p - p.labels[i].p)).toBeLessThan(1e-4));
  });
});
