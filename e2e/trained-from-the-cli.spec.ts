// A run trained on the command line, in the project the studio has open, is one of the project's runs: a person
// trains with `seqstudio train` in a terminal (on the project's own copy of the sample), then finds the run in the
// studio's run list, with its charts and its summary, beside the runs started in the studio. Runs after the studio
// story (files run in name order), so the run list it sees is its own.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { StudioPage } from './studio-page';

const root = join(import.meta.dirname, '..');

test('a run made with seqstudio train in the project shows in the studio, finished, with its charts', async ({ page }, info) => {
  test.setTimeout(180_000);
  const studio = new StudioPage(page, info);
  await studio.open();
  const project = process.env['E2E_PROJECT'];
  expect(project, 'playwright.config.ts names the project folder').toBeTruthy();

  // in a terminal, in the project folder: train on the project's copy of the sample, into its runs/ folder
  const args = ['train', '--data', join(project!, 'datasets', 'tinyshakespeare.txt'), '--out', join(project!, 'runs', 'from-the-cli'), '--cell', 'gru', '--hidden', '24', '--embed', '8'];
  const cli = spawnSync(process.execPath, [join(root, 'bin/seqstudio.mjs'), ...args, '--batch', '8', '--seq-len', '32', '--steps', '60', '--eval-every', '20', '--json'], { cwd: project, encoding: 'utf8', timeout: 150_000 });
  expect(cli.status, cli.stderr).toBe(0);

  // back in the studio: the run is in the list, named as the studio names its own runs, finished
  await page.reload();
  await studio.show('Train');
  const run = page.getByTestId('run-from-the-cli');
  await expect(run).toContainText('GRU 1×24 on tinyshakespeare.txt');
  await expect(run).toContainText(/finished|Finished/);
  await run.getByRole('button', { name: 'GRU 1×24 on tinyshakespeare.txt', exact: true }).click();
  await studio.waitForStatus('Finished', 30_000);
  await expect(page.getByTestId('run-step')).toContainText('60');
  await studio.snap('cli-run');
  expect(studio.problems).toEqual([]);
});
