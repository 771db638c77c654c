// Outgrowing the desktop, as a person does it: a run of the project (trained here on the command line, in the
// project the studio has open) is exported as a PyTorch training bundle from the Train screen, trained in a terminal
// with torchrun on 2 processes (a few steps), imported back from the Train screen, and compared with the run it came
// from on the Compare screen. Skipped, with the reason, where /usr/bin/torchrun (Debian's python3-torch) is absent.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { StudioPage } from './studio-page';

const root = join(import.meta.dirname, '..');
const TORCHRUN = '/usr/bin/torchrun';

test('a run bundled for PyTorch, trained with torchrun on 2 processes, comes back and is compared', async ({ page }, info) => {
  test.skip(!existsSync(TORCHRUN), `${TORCHRUN} is absent (apt-get install python3-torch)`);
  test.setTimeout(300_000);
  const studio = new StudioPage(page, info);
  await studio.open();
  const project = process.env['E2E_PROJECT'];
  expect(project, 'playwright.config.ts names the project folder').toBeTruthy();

  // a run of the project: an LSTM on the project's copy of the sample, trained in a terminal
  const args = ['train', '--data', join(project!, 'datasets', 'tinyshakespeare.txt'), '--out', join(project!, 'runs', 'for-pytorch'), '--cell', 'lstm', '--hidden', '16', '--embed', '8'];
  const cli = spawnSync(process.execPath, [join(root, 'bin/seqstudio.mjs'), ...args, '--batch', '8', '--seq-len', '16', '--steps', '20', '--eval-every', '10', '--json'], { cwd: project, encoding: 'utf8', timeout: 150_000 });
  expect(cli.status, cli.stderr).toBe(0);

  // on the Train screen: select it and export its training bundle
  await page.reload();
  await studio.show('Train');
  const name = 'LSTM 1×16 on tinyshakespeare.txt';
  await page.getByTestId('run-for-pytorch').getByRole('button', { name, exact: true }).click();
  await studio.waitForStatus('Finished', 30_000);
  await studio.button('Export training bundle…').click();
  const dir = (await page.getByTestId('bundle-dir').textContent({ timeout: 60_000 }))!.trim();
  expect(existsSync(join(dir, 'train.py'))).toBe(true);
  await expect(page.getByTestId('bundle-result')).toContainText('torchrun --standalone --nproc_per_node 2');
  await studio.snap('pytorch-1-bundle');

  // in a terminal, in the bundle folder: 2 processes, 10 steps (torch reads OpenBLAS's tuning from the environment: not here)
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENBLAS_')));
  const run = spawnSync(TORCHRUN, ['--standalone', '--nproc_per_node', '2', '--redirects', '2', '--tee', '2', 'train.py', '--steps', '10', '--out', 'output'], { cwd: dir, env, encoding: 'utf8', timeout: 200_000 });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toContain('10 steps on 2 process(es)');

  // back in the studio: import what it trained (the field already names bundles/…/output)
  await expect(page.getByTestId('bundle-import-dir')).toHaveValue(/bundles\/.*\/output$/);
  await studio.button(/^Import run$/).click();
  const imported = `${name} · PyTorch (2 processes, cpu)`;
  await expect(page.getByRole('button', { name: imported, exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('run-step')).toContainText('10');

  // compare it with the run it came from: the same data, both curves, one table
  await studio.show('Compare');
  await page.getByRole('checkbox', { name: /^LSTM 1×16 on tinyshakespeare\.txt · finished/ }).check();
  await page.getByRole('checkbox', { name: /PyTorch \(2 processes/ }).check();
  await expect(page.getByTestId('chart-compare-loss').locator('canvas').first()).toBeVisible();
  await expect(page.getByTestId('compare-table')).toContainText('PyTorch (2 processes, cpu)');
  await expect(page.getByTestId('compare-table').getByRole('row')).toHaveCount(3);
  await studio.snap('pytorch-2-compare');
  expect(studio.problems).toEqual([]);
});
