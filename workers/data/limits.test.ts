// The importer's limits against files made to hurt it (issue 13's probes): a FIFO given as data is refused by name
// without blocking; plain text over the text limit and a tag file with 1.5 million distinct tags are refused with the
// limit in the message, while the whole `seqstudio inspect` process (worker included) stays far below 2 GB.
// Real files, a real FIFO, the built CLI in a child process (its peak RSS measured by the kernel).

import { spawnSync } from 'node:child_process';
import { closeSync, constants, createWriteStream, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from './parse';

const tmp = mkdtempSync(join(tmpdir(), 'seqstudio-limits-'));
const root = join(import.meta.dirname, '../..');
const fifo = join(tmp, 'data.txt');
expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
afterAll(() => {
  // release a reader that a broken build left blocked on the FIFO, so the test process can end
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // no reader: nothing to release
  }
});

/** `seqstudio inspect FILE` in a child process; its exit code, stderr and peak resident memory in bytes. */
function inspectWithPeak(file: string): { status: number | null; stderr: string; peak: number } {
  const script = `const { main } = await import(${JSON.stringify(join(root, 'out/main/cli.js'))});
const code = await main(['inspect', ${JSON.stringify(file)}]);
process.stderr.write('peak-rss ' + process.resourceUsage().maxRSS * 1024 + '\\n');
process.exit(code);`;
  const entry = join(tmp, 'inspect-peak.mjs');
  writeFileSync(entry, script);
  const r = spawnSync(process.execPath, [entry], { encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stderr: r.stderr, peak: Number(/peak-rss (\d+)/.exec(r.stderr)?.[1] ?? NaN) };
}

/** Writes `lines` lines made by `line(i)` to a file, streamed. */
async function writeLines(path: string, count: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  const batch = 10_000;
  for (let i = 0; i < count; i += batch) {
    let chunk = '';
    for (let j = i; j < Math.min(count, i + batch); j++) chunk += line(j);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

describe('importer limits', () => {
  it('refuses a FIFO given as data, by name, without blocking', async () => {
    await expect(parseFile(fifo)).rejects.toThrow(/data\.txt: this is a named pipe \(FIFO\), not a regular file/);
  }, 10_000);

  it('refuses plain text over 100,000,000 characters, saying so, with memory bounded', async () => {
    const big = join(tmp, 'big.txt');
    const line = 'the quick brown fox jumps over the lazy dog, again and again and again and again and again!!\n'; // 96
    await writeLines(big, Math.ceil(105_000_000 / line.length), () => line);
    const r = inspectWithPeak(big);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/big\.txt.*more than 100,000,000 characters of plain text \(the limit for text; files may be up to 1 GiB\)/);
    expect(r.peak).toBeLessThan(1.5 * 2 ** 30);
    console.log(`text over the limit: refused, peak RSS ${(r.peak / 2 ** 20).toFixed(0)} MiB`);
  }, 300_000);

  it('refuses a tag file with more than 10,000 distinct tags (1.5 million here), with memory bounded', async () => {
    const tags = join(tmp, 'tags.conll');
    await writeLines(tags, 1_500_000, (i) => `tok${i % 97}\tTAG${i}\n${i % 20 === 19 ? '\n' : ''}`);
    const r = inspectWithPeak(tags);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/tags\.conll:10501: more than 10,000 distinct tags/);
    expect(r.peak).toBeLessThan(2 ** 30);
    console.log(`1.5 million distinct tags: refused, peak RSS ${(r.peak / 2 ** 20).toFixed(0)} MiB`);
  }, 300_000);
});
