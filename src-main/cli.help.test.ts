// `seqstudio COMMAND --help` and `seqstudio help COMMAND`: the command's synopsis and notes, exit 0 (a person who asks
// for help gets it, not "Unknown option '--help'").
import { describe, expect, it, vi } from 'vitest';
import { commandUsage, main } from './cli';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('per-command help', () => {
  it('train --help prints train’s synopsis and notes, not every command', async () => {
    const r = await run(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('seqstudio train --data FILE');
    expect(r.out).toContain('--target-tokens char|word'); // a continuation line of the synopsis
    expect(r.out).not.toContain('seqstudio bench');
  });

  it('help bench and bench -h agree, and carry bench’s notes paragraphs', async () => {
    const a = await run(['help', 'bench']);
    const b = await run(['bench', '-h']);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    expect(a.out).toContain('bench --profile breaks');
    expect(a.out).toContain('seqstudio bench --generate');
    expect(a.out).not.toContain('predict decodes');
  });

  it('every command has a synopsis; an unknown one is a usage error', async () => {
    for (const c of ['inspect', 'train', 'predict', 'bench', 'export', 'bundle', 'import', 'sweep']) expect(commandUsage(c)).toContain(`seqstudio ${c} `);
    const r = await run(['help', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "nope"');
  });

  it('a --help after -- is data, not a request for help', async () => {
    const r = await run(['predict', '/nonexistent-run', '--', '--help']);
    expect(r.code).not.toBe(0);
    expect(r.out).not.toContain('seqstudio predict RUN_DIR');
  });
});
