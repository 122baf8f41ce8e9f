// Sales (issue 17): the warranty desk. sales.gd lands on it, records a
// renewal for a unit in the 30-day list and sees it leave the list, finds the
// renewal in the unit's history, and exports exactly what the desk shows.
import { readFileSync } from 'node:fs';
import { test, expect, signIn, consoleUrl, apiAs, shoot, useLanguage } from './fixtures';
import type { Page } from '@playwright/test';

/* The serials the desk shows, in order. */
async function serialsOnScreen(page: Page): Promise<string[]> {
  return page.getByTestId('alert-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-serial') ?? ''));
}

test('sales records a renewal: the unit leaves the 30-day list and its history shows it', async ({ page }) => {
  // The demo data ends five units' warranties 16 days from today; sales.gd
  // owns two of them (README, "Demo data").
  const sales = await apiAs('sales.gd');
  const alerts = await (await sales.get('/v1/warranty/alerts?within=30d&expired=0d')).json();
  const soon: string[] = alerts.items.flatMap((c: { sites: { units: { serial: string; days_left: number }[] }[] }) =>
    c.sites.flatMap((s) => s.units.filter((u) => u.days_left <= 30).map((u) => u.serial)),
  );
  expect(soon.length, 'demo units of sales.gd ending within 30 days').toBeGreaterThan(0);

  await signIn(page, 'sales.gd');
  await expect(page).toHaveURL(/\/console\/warranty/);
  await expect(page.getByTestId('tab-30')).toBeVisible();
  await expect(page.getByTestId('alert-row')).toHaveCount(soon.length);
  expect((await serialsOnScreen(page)).sort()).toEqual([...soon].sort());

  const row = page.getByTestId('alert-row').first();
  const serial = (await row.getAttribute('data-serial'))!;
  const href = (await row.getByTestId('alert-serial').getAttribute('href'))!;
  const assetId = Number(href.split('/').pop());
  // The customer's contact, masked as the API masks it.
  await expect(page.getByTestId('alert-contact').first()).toContainText('*');

  await row.getByTestId('renew').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const contract = `HT-E2E-${Date.now()}`;
  await dialog.getByTestId('renew-contract').fill(contract);
  await dialog.getByTestId('renew-submit').click();

  await expect(page.locator('.el-message--success')).toBeVisible();
  await expect(page.locator(`[data-testid=alert-row][data-serial="${serial}"]`)).toHaveCount(0);
  await expect(page.getByTestId('alert-row')).toHaveCount(soon.length - 1);

  // The renewal in the unit's history.
  await page.goto(consoleUrl(`/assets/${assetId}`));
  await page.getByTestId('trace-renewals').click();
  const history = page.getByTestId('renewal-history');
  await expect(history.getByTestId('renewal-contract')).toHaveText(contract);
  const after = await (await sales.get(`/v1/assets/${assetId}/warranty/renewals`)).json();
  expect(after.items.map((r: { contract_number: string }) => r.contract_number)).toContain(contract);
  await sales.dispose();
});

test('the export holds exactly the rows on screen (tab, filter, sort), as a BOM CSV', async ({ page }) => {
  await signIn(page, 'sales.gd', '/warranty');
  await page.getByTestId('tab-90').click();
  await expect(page.getByTestId('alert-row').first()).toBeVisible();
  await page.getByTestId('warranty-sort').click();
  await page.getByRole('option', { name: /serial/i }).click();
  await page.getByTestId('warranty-sort-dir').click(); // descending
  await page.getByTestId('warranty-filter').fill('FT');
  await expect(page).toHaveURL(/sort=serial/);

  await expect(page.getByTestId('alert-contact').first()).toContainText('*');
  const serials = await serialsOnScreen(page);
  expect(serials.length).toBeGreaterThan(1);
  // Grouped by customer, each group's units by serial, descending.
  const groups = await page.locator('[data-testid^=alert-group-]').evaluateAll((gs) =>
    gs.map((g) => Array.from(g.querySelectorAll('[data-testid=alert-row]')).map((r) => r.getAttribute('data-serial') ?? '')),
  );
  for (const g of groups) expect(g).toEqual([...g].sort().reverse());

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(download.suggestedFilename()).toMatch(/^warranty-90d-\d{4}-\d{2}-\d{2}\.csv$/);
  const bytes = readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  const records = text.slice(0, -2).split('\r\n');
  expect(records[0]).toBe('Customer,Contact,Site,Serial number,Model,Warranty ends,Days left,Status');
  const body = records.slice(1).map((r) => r.split(','));
  expect(body.map((r) => r[3])).toEqual(serials);
  // The masked contact, the way the API masks it.
  expect(body.every((r) => /\*/.test(r[1] ?? ''))).toBe(true);

  // Narrowing the filter narrows the file.
  await page.getByTestId('warranty-filter').fill(serials[0]!);
  await expect(page.getByTestId('alert-row')).toHaveCount(1);
  const [one] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const lines = readFileSync((await one.path())!).toString('utf8').trim().split('\r\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(serials[0]!);
});

test('the ended tab and the customer link', async ({ page }) => {
  await signIn(page, 'sales.gd', '/warranty?tab=ended');
  await expect(page.getByTestId('alert-row').first()).toBeVisible();
  await expect(page.getByTestId('days-left').first()).toHaveText(/ended/i);
  await page.getByTestId('alert-customer').first().click();
  await expect(page).toHaveURL(/\/console\/customers\/\d+$/);
  await expect(page.getByTestId('customer-contact').first()).toContainText('*');
});

test('warranty desk screenshots @phone', async ({ page }) => {
  await signIn(page, 'sales.gd', '/warranty?tab=90');
  await expect(page.getByTestId('alert-row').first()).toBeVisible();
  await expect(page.getByTestId('alert-contact').first()).not.toContainText(/loading/i);
  await shoot(page, 'warranty');
  await useLanguage(page, 'zh-CN');
  await expect(page.getByTestId('tab-90')).toContainText('90 天内');
  await expect(page.getByTestId('alert-contact').first()).toContainText('*');
  await shoot(page, 'warranty');
  await useLanguage(page, 'en');
});
