// The supervisor's console (issue 17): sign in, land on the analytics page,
// and find in each chart's data table exactly what the analytics API answers
// for the same filters, before and after a filter changes; open a recurring
// problem and set its owner, status and corrective action.
//
// This spec runs its own fieldtrace (the scheduler every second, problem
// detection on every run) and first resolves a few requests through the API
// as the app would, so the charts and the problems list have data without
// touching the shared server's demo requests.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { APIRequestContext, Page } from '@playwright/test';
import { test, expect, signIn, apiAs, shoot, useLanguage } from './fixtures';
import { startServer, type Server } from './server';

let server: Server | undefined;
let sharedUrl: string | undefined;

test.beforeAll(async () => {
  sharedUrl = process.env.FIELDTRACE_URL;
  server = await startServer(['--scheduler-interval-ms', '500']);
  process.env.FIELDTRACE_URL = server.url; // fixtures' signIn and apiAs follow it
  // Detection on every scheduler run instead of hourly.
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', server.db, 'UPDATE problem_settings SET run_every_minutes = 0']);
  await seed();
});

test.afterAll(async () => {
  await server?.stop();
  process.env.FIELDTRACE_URL = sharedUrl;
});

async function json<T>(res: { ok(): boolean; status(): number; text(): Promise<string>; json(): Promise<unknown> }): Promise<T> {
  expect(res.ok(), `${res.status()} ${await res.text()}`).toBe(true);
  return (await res.json()) as T;
}

/* Three requests on the demo's Shenzhen switchgear resolved with the same
 * fault code (a recurring problem: same component lot), a fourth closed with
 * a satisfaction score. */
async function seed(): Promise<void> {
  const dispatcher = await apiAs('dispatcher.sz');
  const tech = await apiAs('tech.sz');
  const techId = (await json<{ items: { id: number; username: string }[] }>(await dispatcher.get('/v1/technicians'))).items.find(
    (x) => x.username === 'tech.sz',
  )!.id;
  const go = async (ctx: APIRequestContext, id: number, data: Record<string, unknown>) =>
    json(await ctx.post(`/v1/tickets/${id}/transitions`, { data }));
  const faults = [
    { asset: 1, code: 'E-21' },
    { asset: 16, code: 'E-21' },
    { asset: 1, code: 'E-21' },
    { asset: 16, code: 'E-7' },
  ];
  for (const [i, f] of faults.entries()) {
    const tk = await json<{ id: number }>(
      await dispatcher.post('/v1/tickets', { data: { channel: 'app', category: 'repair', title: `e2e fault ${i}`, asset_id: f.asset } }),
    );
    await go(dispatcher, tk.id, { action: 'assign', assignee_id: techId });
    await go(tech, tk.id, { action: 'accept' });
    await go(tech, tk.id, { action: 'depart' });
    await go(tech, tk.id, { action: 'arrive', latitude: 22.54, longitude: 114.06 });
    await go(tech, tk.id, { action: 'resolve', work: { fault_code: f.code, cause: 'worn contact', actions: 'replaced', minutes_spent: 40 } });
    if (i === 3) {
      await go(dispatcher, tk.id, { action: 'follow_up' });
      await go(dispatcher, tk.id, { action: 'close', satisfaction: 4 });
    }
  }
  const supervisor = await apiAs('supervisor.gd');
  await expect
    .poll(async () => (await json<{ items: unknown[] }>(await supervisor.get('/v1/problems'))).items.length, { timeout: 20_000 })
    .toBeGreaterThan(0);
  await Promise.all([dispatcher.dispose(), tech.dispose(), supervisor.dispose()]);
}

/* Picks an option of an Element Plus select (its input is under the shown
 * value, so the select's box is what a user clicks). */
async function choose(page: Page, inputId: string, option: string | RegExp): Promise<void> {
  await page.locator(`.el-select:has(#${inputId}) .el-select__wrapper`).click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
}

type Row = Record<string, string>;

/* A chart's data table as {column: text} rows. */
async function tableOf(page: Page, metric: string): Promise<Row[]> {
  return page.getByTestId(`table-${metric}`).evaluate((table) =>
    [...table.querySelectorAll('tbody tr')]
      .filter((tr) => tr.querySelector('td[data-column]'))
      .map((tr) => Object.fromEntries([...tr.querySelectorAll('td[data-column]')].map((td) => [td.getAttribute('data-column')!, td.textContent!.trim()]))),
  );
}

/* The numbers as the English page writes them (lib/format.ts). */
function formatted(column: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  if (/_(compliance|rate)$/.test(column) || column === 'share' || column === 'follow_up_coverage')
    return new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 }).format(v);
  if (column.endsWith('_minutes')) return new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(v);
  if (column === 'average') return new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(v);
  return new Intl.NumberFormat('en', { maximumFractionDigits: 0 }).format(v);
}

const TAKES: Record<string, string[]> = {
  volume: ['from', 'to', 'interval', 'by', 'region', 'centre', 'product_line'],
  sla: ['from', 'to', 'interval', 'by', 'region', 'centre', 'product_line'],
  'fault-codes': ['from', 'to', 'region', 'centre', 'product_line', 'limit'],
};

/* What the API answers for the filters in the page's address. */
async function apiTable(api: APIRequestContext, page: Page, metric: string): Promise<{ columns: string[]; items: Record<string, unknown>[] }> {
  const shown = new URL(page.url()).searchParams;
  const q = new URLSearchParams();
  for (const k of TAKES[metric]!) if (shown.get(k)) q.set(k, shown.get(k)!);
  return json(await api.get(`/v1/analytics/${metric}?${q.toString()}`));
}

/* The page's table holds the API's every number, row by row (text columns:
 * the group's name contains its code). */
async function expectSameNumbers(page: Page, api: APIRequestContext, metric: string): Promise<number> {
  const answer = await apiTable(api, page, metric);
  await expect
    .poll(async () => {
      const rows = await tableOf(page, metric);
      if (rows.length !== answer.items.length) return `rows ${rows.length} != ${answer.items.length}`;
      for (const [i, item] of answer.items.entries()) {
        for (const c of answer.columns) {
          const cell = rows[i]![c];
          const want = formatted(c, item[c]);
          const text = c === 'period' || c === 'fault_code' || typeof item[c] === 'number' || item[c] === null;
          if (cell === undefined) return `row ${i}: no ${c} column`;
          if (text ? cell !== want : !cell.includes(want)) return `row ${i} ${c}: ${cell} != ${want}`;
        }
      }
      return 'same';
    }, { message: `${metric}: the data table shows what the API answers`, timeout: 15_000 })
    .toBe('same');
  return answer.items.length;
}

test('a supervisor lands on the analytics; the charts show what the analytics API answers, before and after a filter changes', async ({ page }) => {
  await signIn(page, 'supervisor.gd');
  await expect(page).toHaveURL(/\/console\/analytics\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&interval=week$/);
  const api = await apiAs('supervisor.gd');

  for (const metric of ['volume', 'sla', 'fault-codes']) await expectSameNumbers(page, api, metric);
  // The seeded faults are in the ranking: E-21 three times, first.
  await expect(page.getByTestId('table-fault-codes').locator('tbody tr').first()).toContainText('E-21');

  // The chart canvas is drawn, and each card's table can be shown.
  await expect(page.getByTestId('chart-volume').locator('canvas')).toHaveCount(1);
  await page.getByTestId('toggle-volume').click();
  await expect(page.getByTestId('table-volume')).toBeVisible();

  // Group by centre: the address, the API's answer and the tables all change.
  const before = await apiTable(api, page, 'volume');
  await choose(page, 'f-by', 'Service centre');
  await expect(page).toHaveURL(/[?&]by=centre(&|$)/);
  const after = await apiTable(api, page, 'volume');
  expect(after.columns).toContain('centre');
  expect(after.columns).not.toEqual(before.columns);
  for (const metric of ['volume', 'sla', 'fault-codes']) await expectSameNumbers(page, api, metric);
  await expect(page.getByTestId('table-volume')).toContainText('C-SZ');
  // Fault codes are ranked, never grouped: the card says so.
  await expect(page.getByTestId('note-fault-codes')).toBeVisible();

  // Narrow to one product line: the answers shrink or stay, and still match.
  await choose(page, 'f-pl', 'Protection relays');
  await expect(page).toHaveURL(/[?&]product_line=relay(&|$)/);
  await expectSameNumbers(page, api, 'volume');
  await expectSameNumbers(page, api, 'fault-codes');
  await api.dispose();
});

test('the filters live in the address: a link opens the same view', async ({ page }) => {
  await signIn(page, 'supervisor.gd', '/analytics?from=2026-01-01&to=2026-12-31&interval=month&by=priority&limit=5');
  await expect(page).toHaveURL(/interval=month&by=priority&limit=5/);
  await expect(page.locator('.el-select:has(#f-interval)')).toContainText('Months');
  const api = await apiAs('supervisor.gd');
  await expectSameNumbers(page, api, 'volume');
  await expectSameNumbers(page, api, 'fault-codes');
  await api.dispose();
});

test('the problems list opens a problem; the supervisor sets its owner, status and corrective action', async ({ page }) => {
  await signIn(page, 'supervisor.gd', '/problems');
  const row = page.getByTestId('problems-table').locator('tbody tr').first();
  await expect(row).toContainText('E-21');
  await row.getByTestId('problem-link').click();
  await expect(page).toHaveURL(/\/console\/problems\/\d+$/);
  await expect(page.getByTestId('problem-fault-code')).toHaveText('E-21');
  await expect(page.getByTestId('problem-tickets').locator('tbody tr')).toHaveCount(3);

  // Corrective action needs its text: said next to the field, nothing sent.
  await choose(page, 'pe-status', 'Corrective action');
  await page.getByTestId('problem-save').click();
  await expect(page.getByTestId('problem-form-error')).toBeVisible();

  await page.locator('.el-select:has(#pe-owner) .el-select__wrapper').click();
  await page.locator('#pe-owner').fill('supervisor');
  await page.getByRole('option', { name: /supervisor\.gd/ }).click();
  await page.locator('#pe-action').fill('Replace current transformers of lot L2402 at the next visit.');
  await page.getByTestId('problem-save').click();
  await expect(page.getByTestId('problem-owner')).toHaveText('supervisor.gd');
  await expect(page.getByTestId('problem-action')).toHaveText('Replace current transformers of lot L2402 at the next visit.');

  const id = Number(new URL(page.url()).pathname.split('/').pop());
  const api = await apiAs('supervisor.gd');
  const p = await json<{ status: string; owner: { username: string } | null }>(await api.get(`/v1/problems/${id}`));
  expect(p.status).toBe('corrective_action');
  expect(p.owner?.username).toBe('supervisor.gd');
  await api.dispose();
});

test('the monthly report shows as a document and downloads as the same Markdown', async ({ page }) => {
  await signIn(page, 'supervisor.gd');
  await page.getByTestId('to-report').click();
  await expect(page).toHaveURL(/\/console\/reports\?month=\d{4}-\d{2}$/);
  const month = new URL(page.url()).searchParams.get('month')!;
  const body = page.getByTestId('report-body');
  await expect(body.locator('h2').first()).toHaveText(`Field service operations report — ${month}`);
  await expect(body.locator('table').first()).toContainText('Tickets created');
  await expect(body).toContainText('E-21');

  const api = await apiAs('supervisor.gd');
  const res = await api.get(`/v1/reports/monthly?month=${month}`);
  expect(res.ok()).toBe(true);
  const markdown = await res.text();
  await api.dispose();
  // Every table row the API wrote is on the page, cell for cell.
  const apiRows = markdown.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('|---')).length;
  await expect(body.locator('tr')).toHaveCount(apiRows);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-download').click()]);
  expect(download.suggestedFilename()).toBe(`fieldtrace-report-${month}.md`);
  const saved = readFileSync((await download.path())!, 'utf8');
  expect(saved.startsWith(`# Field service operations report — ${month}`)).toBe(true);
  expect(saved.split('\n')[0]).toBe(markdown.split('\n')[0]);
});

test('a supervisor re-routes a request to another centre with a reason, from the request page', async ({ page }) => {
  const api = await apiAs('supervisor.gd');
  const list = await json<{ items: { id: number; number: string; status: string; centre: string | null }[] }>(await api.get('/v1/tickets?status=routed&centre=C-SZ&limit=50'));
  const tk = list.items.find((x) => x.status === 'routed' && x.centre === 'C-SZ')!;
  expect(tk, 'a demo request routed to C-SZ').toBeTruthy();

  await signIn(page, 'supervisor.gd', `/tickets/${tk.id}`);
  await page.getByTestId('action-reroute').click();
  const dialog = page.getByTestId('action-dialog');
  await expect(dialog).toBeVisible();
  // The reason is required: refused beside the note, nothing sent.
  await dialog.getByTestId('action-submit').click();
  await expect(dialog.locator('.el-form-item:has([data-testid=action-note]) .el-form-item__error')).toBeVisible();
  await dialog.getByTestId('action-note').fill('The site is nearer Guangzhou; C-GZ has a free crew today.');
  await dialog.locator('.el-select__wrapper').click(); // the centre: the dialog's one select
  await page.getByRole('option', { name: '广州服务中心 (C-GZ)', exact: true }).click();
  await dialog.getByTestId('action-submit').click();
  await expect(dialog).toBeHidden();

  const after = await json<{ centre: string; status: string; history: { action: string; note: string; detail: { centre?: string } | null }[] }>(
    await api.get(`/v1/tickets/${tk.id}`),
  );
  expect(after.centre).toBe('C-GZ');
  expect(after.status).toBe('routed');
  expect(after.history.at(-1)).toEqual(
    expect.objectContaining({ action: 'reroute', note: 'The site is nearer Guangzhou; C-GZ has a free crew today.' }),
  );
  await api.dispose();
});

test('screenshots: analytics, problems and the monthly report @phone', async ({ page }) => {
  await signIn(page, 'supervisor.gd');
  for (const lang of ['zh-CN', 'en'] as const) {
    await useLanguage(page, lang);
    await page.goto(page.url().replace(/\/console\/.*$/, '/console/analytics'));
    await expect(page.getByTestId('table-volume').locator('tbody tr').first()).toBeAttached();
    await expect(page.getByTestId('chart-volume').locator('canvas')).toHaveCount(1);
    await page.waitForTimeout(300); // the canvases' first paint
    await shoot(page, 'analytics');
    await page.goto(page.url().replace(/\/console\/.*$/, '/console/problems'));
    await expect(page.getByTestId('problems-table').locator('tbody tr').first()).toContainText('E-21');
    await shoot(page, 'problems');
    await page.goto(page.url().replace(/\/console\/.*$/, '/console/reports'));
    await expect(page.getByTestId('report-body').locator('h2').first()).toBeVisible();
    await shoot(page, 'report');
  }
});

test('a centre named like HTML shows as those characters in the charts and the report', async ({ page }) => {
  const hostile = '<img src=x onerror=alert(1)>';
  const admin = await apiAs('admin');
  expect((await admin.patch('/v1/centres/C-SZ', { data: { name: hostile } })).ok()).toBe(true);
  await admin.dispose();
  page.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
  await signIn(page, 'supervisor.gd', '/analytics?by=centre&interval=all');
  await expect(page.getByTestId('table-volume')).toContainText(`${hostile} (C-SZ)`);
  await expect(page.getByTestId('chart-volume').locator('canvas')).toHaveCount(1);
  // Hover the bars: the tooltip is drawn on the canvas, no element is made.
  const box = (await page.getByTestId('chart-volume').locator('canvas').boundingBox())!;
  for (const x of [0.3, 0.5, 0.7]) await page.mouse.move(box.x + box.width * x, box.y + box.height * 0.6);
  await page.goto(page.url().replace(/\/console\/.*$/, '/console/reports'));
  await expect(page.getByTestId('report-body')).toContainText(`${hostile} (C-SZ)`);
  await expect(page.locator('img[src=x]')).toHaveCount(0);
});
