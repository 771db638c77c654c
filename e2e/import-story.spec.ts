// A person drops in the data they have, against the real web host (real importer in a worker thread): an hourly
// air-quality table with a row number and the date spread over year, month, day and hour. The studio says what each
// column is and why, proposes the measured quantity with its reason, and lists the other targets one click away;
// the recipe sized to the data is shown with its estimate, and the Design screen starts from it. Dropping the same
// file again is the same dataset. An Excel workbook dropped in reads as its first sheet.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { StudioPage } from './studio-page';

const rows = Array.from({ length: 24 * 30 }, (_, i) => {
  const t = new Date(Date.UTC(2010, 0, 1) + i * 3_600_000);
  const pm = i % 97 === 5 ? 'NA' : String(Math.round(80 + 40 * Math.sin((2 * Math.PI * i) / 24) + (i % 13)));
  return `${i + 1},${t.getUTCFullYear()},${t.getUTCMonth() + 1},${t.getUTCDate()},${t.getUTCHours()},${pm},${-20 + (i % 7)},${(-5 + (i % 11) / 2).toFixed(1)},${1020 + (i % 5)},${['NW', 'SE', 'cv'][i % 3]}`;
});
const csv = ['No,year,month,day,hour,pm2.5,DEWP,TEMP,PRES,cbwd', ...rows].join('\n') + '\n';

test('drop an hourly table: roles and reasons, another target in one click, the recipe', async ({ page }, info) => {
  test.setTimeout(120_000);
  const studio = new StudioPage(page, info);
  await studio.open();

  // drop the file the way it came
  await studio.dropFile('PRSA_data.csv', csv, 'text/csv');
  await expect(page.getByRole('button', { name: /Select dataset PRSA_data\.csv/ })).toHaveAttribute('aria-current', 'true');

  // what each column is, and why: the row number left out, the date parts combined into the time
  const role = (name: string) => page.locator('table.columns tr', { has: page.locator('th', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) });
  await expect(role('No')).toHaveAttribute('data-role', 'id');
  await expect(role('hour')).toHaveAttribute('data-role', 'time-part');
  await expect(page.getByTestId('proposal-time')).toContainText('year + month + day + hour');
  await expect(page.getByTestId('proposal-time')).toContainText('hourly');

  // the proposal: the measured quantity, with its reason
  await expect(page.getByTestId('proposal-task')).toContainText('forecast "pm2.5"');
  await expect(page.getByTestId('proposal-reason')).toContainText('first measurement');
  await studio.snap('1-proposal');

  // another target, one click away
  await page.getByRole('button', { name: /^Use: forecast "TEMP"/ }).click();
  await expect(page.getByTestId('proposal-alternatives')).toContainText('forecast "pm2.5"');
  await expect(studio.field('Target column')).toHaveValue('TEMP');

  // the recipe for this data, with how long it should take here
  const data = page.locator('section[aria-label="Data"]');
  await expect(data.getByTestId('recipe')).toContainText('GRU');
  await expect(data.getByTestId('recipe-estimate')).toContainText('ms a step');
  await studio.snap('2-recipe');

  // accept: the design starts from the recipe
  await studio.button('Accept proposal').click();
  await expect(page.getByRole('tab', { name: 'Design' })).toHaveAttribute('aria-selected', 'true');
  await expect(studio.field('Cell')).toHaveValue('gru');

  // the same file dropped again is the dataset the project has, not a copy
  await studio.show('Data');
  await studio.dropFile('PRSA_data (1).csv', csv, 'text/csv');
  await expect(page.getByRole('button', { name: /Select dataset PRSA_data\.csv/ })).toHaveAttribute('aria-current', 'true');
  await expect(page.getByRole('button', { name: /Select dataset PRSA_data/ })).toHaveCount(1);
  expect(studio.problems).toEqual([]);
});

test('drop an Excel workbook: its first sheet is the table, its date cells the monthly time', async ({ page }, info) => {
  test.setTimeout(120_000);
  const studio = new StudioPage(page, info);
  await studio.open();
  const xlsx = readFileSync(join(import.meta.dirname, '../workers/data/fixtures/passengers.xlsx'));
  await studio.dropFile('passengers.xlsx', xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  await expect(page.getByRole('button', { name: /Select dataset passengers\.xlsx/ })).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('proposal-time')).toContainText('monthly');
  await expect(page.getByTestId('proposal-task')).toContainText('forecast "Passengers"');
  await expect(page.locator('section[aria-label="Data"]')).toContainText('the first sheet, "Passengers" (of 2');
  await studio.snap('3-workbook');
  expect(studio.problems).toEqual([]);
});

test('drop a file from the Monash forecasting archive: one series a line becomes a series per name, dated by its start and frequency', async ({ page }, info) => {
  test.setTimeout(120_000);
  const studio = new StudioPage(page, info);
  await studio.open();
  const lines = ['# Dataset Information', '@relation covid_deaths', '@attribute series_name string', '@attribute start_timestamp date', '@frequency daily', '@horizon 30', '@missing false', '@equallength true', '@data'];
  for (let k = 0; k < 4; k++) lines.push(`T${k + 1}:2020-01-22 00-00-00:${Array.from({ length: 120 }, (_, i) => Math.round(10 * Math.exp(i / 60) + ((i * (k + 3)) % 5))).join(',')}`);
  await studio.dropFile('covid_deaths_dataset.tsf', lines.join('\n'));
  await expect(page.getByRole('button', { name: /Select dataset covid_deaths_dataset\.tsf/ })).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('proposal-time')).toContainText('daily');
  await expect(page.getByTestId('proposal-task')).toContainText('forecast "value"');
  await expect(page.getByTestId('proposal-task')).toContainText('in each "series_name" series');
  await expect(page.locator('section[aria-label="Data"]')).toContainText('the archive forecasts 30 steps ahead');
  expect(studio.problems).toEqual([]);
});
