// The exported files pass the reference ONNX checker, onnx.checker.check_model(model, full_check=True) (type and
// shape inference in strict mode), for every cell × direction × shape, streaming and not. Uses Debian's
// python3-onnx through tools/onnx_check.py where it is installed (/usr/bin/python3 -c 'import onnx'); reports
// itself skipped, with the reason, where it is not. The export path itself never uses Python.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initParameters } from '../engine/init';
import { buildLayout } from '../engine/layout';
import { buildGraphs, toModelProto } from './onnx-graph';
import { encodeModel } from './onnx-proto';
import { metadataProps } from './sidecar';
import { CELLS, exportCases, textCase } from './test-cases';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import onnx; print(onnx.__version__)'], { encoding: 'utf8' });
const hasOnnx = probe.status === 0;
const onnxVersion = hasOnnx ? probe.stdout.trim() : '';
if (!hasOnnx) console.log(`[onnx-checker] skipped: ${PYTHON} cannot import onnx (install Debian's python3-onnx to run onnx.checker full_check on the exports)`);

describe('onnx.checker full_check', () => {
  it.skipIf(!hasOnnx)(`every export passes onnx.checker.check_model(full_check=True) (python3-onnx ${onnxVersion || 'missing'})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqstudio-onnx-check-'));
    const files: string[] = [];
    const cases = [...exportCases(), ...exportCases().map((c) => ({ ...c, name: `${c.name} streaming`, streaming: true })), ...CELLS.map((cell) => textCase(cell, true))];
    cases.forEach((c, k) => {
      const layout = buildLayout(c.spec);
      const graphs = buildGraphs(layout, initParameters(layout, k + 1), { streaming: c.streaming, lengths: c.lengths });
      const common = { shape: c.spec.shape, task: c.name, preprocessing: { kind: 'test', vocabulary: ['a', 'é', '\n'] }, output: { kind: c.spec.output.kind }, transforms: null, model: c.spec, streaming: c.streaming, graphs: [] };
      for (const g of graphs) {
        const file = join(dir, `${k}-${c.name.replace(/\W+/g, '-')}-${g.role}.onnx`);
        writeFileSync(file, encodeModel(toModelProto(g, metadataProps(common, g.role), 'test')));
        files.push(file);
      }
    });
    const r = spawnSync(PYTHON, [join(import.meta.dirname, '../../tools/onnx_check.py'), ...files], { encoding: 'utf8', timeout: 120_000 });
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { file: string; ok: boolean; error?: string; ir_version?: number; opsets?: Record<string, number> });
    const failures = lines.filter((l) => !l.ok);
    console.log(`[onnx-checker] onnx ${onnxVersion}: ${lines.length - failures.length}/${files.length} files pass check_model(full_check=True)${failures.length ? `; first failure ${failures[0].file}: ${failures[0].error}` : ''}`);
    expect(r.stderr).toBe('');
    expect(failures).toEqual([]);
    expect(lines).toHaveLength(files.length);
    for (const l of lines) {
      expect(l.ir_version).toBe(8);
      expect(l.opsets).toEqual({ 'ai.onnx': 17 });
    }
    expect(r.status).toBe(0);
  });
});
