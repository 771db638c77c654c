// Recordings kept one channel a file beside a file of labels (UCI HAR's train/Inertial Signals/body_acc_x_train.txt and
// train/y_train.txt, the names in activity_labels.txt): read as labelled sequences, each keeping its split.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from './parse';
import { DataError } from './parsed';
import { buildTrainingData, propose } from './propose';

const root = mkdtempSync(join(tmpdir(), 'channels-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const put = (path: string, text: string): void => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};
const sci = (v: number): string => v.toExponential(7).replace(/e([+-])(\d)$/, 'e$10$2');

/** UCI HAR's layout: per split, y_<split>.txt, subject_<split>.txt, X_<split>.txt and Inertial Signals/<channel>_<split>.txt. */
function har(name: string, n: Record<string, number>, steps = 16): void {
  for (const [split, rows] of Object.entries(n)) {
    const y = Array.from({ length: rows }, (_, i) => 1 + ((i * 5) % 3));
    put(`${name}/${split}/y_${split}.txt`, y.join('\n') + '\n');
    put(`${name}/${split}/subject_${split}.txt`, y.map((_, i) => 1 + Math.floor(i / 4)).join('\n') + '\n');
    put(`${name}/${split}/X_${split}.txt`, y.map((v) => ` ${Array.from({ length: 20 }, (_, k) => sci(v * 0.1 + k / 100)).join(' ')}`).join('\n') + '\n');
    for (const [c, ch] of ['body_acc_x', 'body_acc_y', 'total_acc_z'].entries())
      put(`${name}/${split}/Inertial Signals/${ch}_${split}.txt`, y.map((v, i) => `  ${Array.from({ length: steps }, (_, s) => sci(Math.sin((s + i) / (v + c)))).join('  ')}`).join('\n') + '\n');
  }
  put(`${name}/activity_labels.txt`, '1 WALKING\n2 SITTING\n3 LAYING\n');
  put(`${name}/README.txt`, 'Human Activity Recognition Using Smartphones Dataset');
}

describe('recordings one channel a file', () => {
  it('UCI HAR: each row of the channel files a recording, its label from y_<split>.txt, named by activity_labels.txt, the split kept', async () => {
    har('UCI HAR Dataset', { train: 12, test: 6 });
    const r = await parseFile(join(root, 'UCI HAR Dataset'));
    if (r.parsed.kind !== 'sequences') throw new Error(r.parsed.kind);
    expect(r.parsed.featureNames).toEqual(['body_acc_x', 'body_acc_y', 'total_acc_z']);
    expect(r.parsed.sequences.length).toBe(18);
    const first = r.parsed.sequences.find((s) => s.id === 'train/2')!;
    expect(first).toMatchObject({ label: 'LAYING', split: 'train' });
    expect(first.steps.length).toBe(16);
    expect(first.steps[3][1]).toBeCloseTo(Math.sin((3 + 1) / (3 + 1)), 6);
    expect(r.notes).toEqual([
      '18 recordings of 16 steps in 3 channels, one a file (Inertial Signals/: body_acc_x, body_acc_y, total_acc_z), labelled by y_test.txt, y_train.txt in test, train (the split): 3 classes',
      'the classes named by activity_labels.txt (WALKING, SITTING, LAYING)',
      'left out: the other files beside the labels (test/X_test.txt, test/subject_test.txt, train/X_train.txt, train/subject_train.txt…)',
    ]);
    const p = propose(r.parsed, 'UCI HAR Dataset');
    expect(p.choice.shape).toBe('many-to-one');
    expect(buildTrainingData(r.parsed, p.choice, 'UCI HAR Dataset').summary).toMatch(/the file's own split \(12 train, 6 test/);
    // the same folder read again hashes the same; a changed channel file changes it
    expect((await parseFile(join(root, 'UCI HAR Dataset'))).sha256).toBe(r.sha256);
    put('UCI HAR Dataset/test/Inertial Signals/body_acc_x_test.txt', Array.from({ length: 6 }, () => Array(16).fill('0.5').join(' ')).join('\n'));
    expect((await parseFile(join(root, 'UCI HAR Dataset'))).sha256).not.toBe(r.sha256);
  });

  it('a channel file that does not line up with the labels is not this layout; a broken one is refused where it breaks', async () => {
    har('short', { train: 8 });
    put('short/train/Inertial Signals/body_acc_y_train.txt', '1 2 3\n4 5 6\n');
    expect((await parseFile(join(root, 'short'))).parsed.kind).not.toBe('sequences');
    har('broken', { train: 8 });
    put('broken/train/Inertial Signals/total_acc_z_train.txt', Array.from({ length: 8 }, (_, i) => (i === 5 ? '1 2 3' : Array(16).fill('0.1').join(' '))).join('\n'));
    const e = await parseFile(join(root, 'broken')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect(e).toMatchObject({ file: 'broken/train/Inertial Signals/total_acc_z_train.txt', line: 6 });
    expect((e as DataError).reason).toMatch(/a row of 3 values; the first has 16/);
    // odd names and empty files are no reason to fail: a split folder "train(", a labels file of blank lines
    har('odd', { 'train(': 6 });
    const odd = await parseFile(join(root, 'odd'));
    if (odd.parsed.kind !== 'sequences') throw new Error(odd.parsed.kind);
    expect(odd.parsed.featureNames).toEqual(['body_acc_x', 'body_acc_y', 'total_acc_z']);
    har('blank', { train: 4 });
    put('blank/train/y_train.txt', '  \n \n');
    expect((await parseFile(join(root, 'blank')).catch((x: unknown) => x as Error)).constructor.name).not.toBe('TypeError');
  });
});
