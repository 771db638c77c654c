// A person changes a setting and closes the studio at once, before the save's half-second debounce has run out: the
// page writes the pending save as it goes (App.vue's pagehide; the web host's request outlives the page), and the
// studio opens again on the dataset and the setting they chose. Runs last (files run in name order): it changes
// which dataset the project has open.

import { expect, test } from '@playwright/test';
import { StudioPage } from './studio-page';

test('a setting changed just before the window closes is there when the studio opens again', async ({ page, context }, info) => {
  const first = new StudioPage(page, info);
  await first.open();
  await first.button(/Select dataset tinyshakespeare\.txt/).click();
  await expect(first.button(/Select dataset tinyshakespeare\.txt/)).toHaveAttribute('aria-current', 'true');
  await first.show('Train');
  const chosen = String(Number(await first.field('Seed').inputValue()) + 4242);
  await first.field('Seed').fill(chosen);
  await page.goto('about:blank'); // the studio's page goes at once

  const again = new StudioPage(await context.newPage(), info);
  await again.open();
  await expect(again.button(/Select dataset tinyshakespeare\.txt/)).toHaveAttribute('aria-current', 'true');
  await again.show('Train');
  await expect(again.field('Seed')).toHaveValue(chosen);
  expect([...first.problems, ...again.problems]).toEqual([]);
});
