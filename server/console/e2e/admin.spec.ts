// The admin pages (issue 17): an admin creates a user and finds it in the
// list; the server's refusals (a taken username, a weak password) show next
// to their field; the QR key is rotated after a confirmation; the audit chain
// is verified intact. Auditors see the users and the audit log only.
//
// Its own fieldtrace: rotating the QR key and adding accounts change what
// every other spec would see.
import type { Page } from '@playwright/test';
import { test, expect, signIn, apiAs, shoot, useLanguage, type DemoUser } from './fixtures';
import { startServer, type Server } from './server';

let server: Server | undefined;
let sharedUrl: string | undefined;

test.beforeAll(async () => {
  sharedUrl = process.env.FIELDTRACE_URL;
  server = await startServer();
  process.env.FIELDTRACE_URL = server.url;
});

test.afterAll(async () => {
  await server?.stop();
  process.env.FIELDTRACE_URL = sharedUrl;
});

async function choose(page: Page, inputId: string, option: string | RegExp): Promise<void> {
  await page.locator(`.el-select:has(#${inputId}) .el-select__wrapper`).click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
}

/* The error Element Plus shows under a form field. */
function fieldError(page: Page, inputId: string) {
  return page.locator(`.el-form-item:has(#${inputId}) .el-form-item__error`);
}

test('an admin creates a user and sees it in the list; a name that looks like HTML stays text', async ({ page }) => {
  await signIn(page, 'admin', '/admin/users');
  await expect(page.getByTestId('users-table')).toContainText('supervisor.gd');
  await page.getByTestId('user-new').click();
  const dialog = page.getByTestId('user-dialog');
  await page.locator('#u-username').fill('field.eng1');
  await page.locator('#u-display').fill('<img src=x onerror=alert(1)>');
  await page.locator('#u-password').fill('Granite-Owl-Lantern-47');
  await choose(page, 'u-role', 'Technician');
  await choose(page, 'u-centre', '深圳服务中心 (C-SZ)');
  await page.getByTestId('user-save').click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('user-row-field.eng1');
  await expect(row).toContainText('Technician');
  await expect(row).toContainText('C-SZ');
  await expect(row).toContainText('<img src=x onerror=alert(1)>');
  await expect(page.locator('img[src=x]')).toHaveCount(0);

  // The API has it as typed.
  const api = await apiAs('admin');
  const found = (await (await api.get('/v1/users?q=field.eng1')).json()) as { items: { username: string; role: string; centre: string }[] };
  expect(found.items).toEqual([expect.objectContaining({ username: 'field.eng1', role: 'technician', centre: 'C-SZ' })]);
  await api.dispose();
});

test('refusals show next to their field: a taken username (409), a weak password (400 naming it)', async ({ page }) => {
  await signIn(page, 'admin', '/admin/users');
  await page.getByTestId('user-new').click();
  await page.locator('#u-username').fill('tech.sz');
  await page.locator('#u-password').fill('Granite-Owl-Lantern-47');
  await page.getByTestId('user-save').click();
  await expect(fieldError(page, 'u-username')).toContainText('already exists');
  await expect(page.getByTestId('user-dialog')).toBeVisible();

  await page.locator('#u-username').fill('field.eng2');
  await page.locator('#u-password').fill('password123');
  await page.getByTestId('user-save').click();
  await expect(fieldError(page, 'u-password')).toContainText(/too common|dictionary/);
  await expect(fieldError(page, 'u-username')).toHaveCount(0);
  // Nothing was created.
  const api = await apiAs('admin');
  expect(((await (await api.get('/v1/users?q=field.eng2')).json()) as { items: unknown[] }).items).toEqual([]);
  await api.dispose();
});

test('the QR key is rotated after confirming; cancelling changes nothing', async ({ page }) => {
  await signIn(page, 'admin', '/admin/qr-keys');
  await expect(page.getByTestId('qr-current')).toContainText('#1');

  await page.getByTestId('qr-rotate').click();
  const box = page.locator('.el-message-box');
  await expect(box).toBeVisible();
  await box.getByRole('button', { name: 'Cancel' }).click();
  await expect(box).toBeHidden();
  await expect(page.getByTestId('qr-current')).toContainText('#1');

  await page.getByTestId('qr-rotate').click();
  await box.getByRole('button', { name: 'Rotate the key' }).click();
  await expect(page.getByTestId('qr-rotated')).toContainText('Key #2');
  await expect(page.getByTestId('qr-current')).toContainText('#2');
  await expect(page.getByTestId('qr-history').locator('tbody tr')).toHaveCount(2);
});

test('the audit chain verifies intact; the log filters by action', async ({ page }) => {
  await signIn(page, 'admin', '/admin/audit');
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verdict')).toContainText('Intact');
  const api = await apiAs('admin');
  const verdict = (await (await api.get('/v1/audit/verify')).json()) as { intact: boolean; checked: number };
  expect(verdict.intact).toBe(true);
  await api.dispose();

  await page.getByTestId('audit-action').fill('auth.login');
  await page.getByTestId('audit-search').click();
  const rows = page.getByTestId('audit-table').locator('tbody tr[data-testid^=audit-row-]');
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.allTextContents()) expect(text).toContain('auth.login');
});

test('an auditor sees the users (read only) and the audit log, nothing else', async ({ page }) => {
  await signIn(page, 'auditor' as DemoUser);
  await expect(page).toHaveURL(/\/console\/admin\/audit$/);
  await expect(page.locator('[data-testid^=admin-tab-]')).toHaveCount(2);
  await page.getByTestId('admin-tab-users').click();
  await expect(page.getByTestId('users-table')).toContainText('admin');
  await expect(page.getByTestId('user-new')).toHaveCount(0);
  await expect(page.getByTestId('user-edit')).toHaveCount(0);
  await page.goto(page.url().replace(/\/admin\/users$/, '/admin/webhooks'));
  await expect(page.getByTestId('admin-forbidden')).toBeVisible();
});

test('an admin adds a service centre and changes its capacity; a taken code shows under the code', async ({ page }) => {
  await signIn(page, 'admin', '/admin/regions');
  await expect(page.getByTestId('centres-table')).toContainText('C-SZ');
  await page.getByTestId('centre-new').click();
  await page.locator('#ce-code').fill('C-SZ');
  await page.locator('#ce-name').fill('佛山服务中心');
  await choose(page, 'ce-region', /Guangzhou \(GZ\)/);
  await page.getByTestId('centre-save').click();
  await expect(fieldError(page, 'ce-code')).toBeVisible();

  await page.locator('#ce-code').fill('C-FS');
  await page.locator('#ce-lat').fill('23.02');
  await page.getByTestId('centre-save').click();
  await expect(fieldError(page, 'ce-lat')).toBeVisible(); // one coordinate alone
  await page.locator('#ce-lon').fill('113.12');
  await page.getByTestId('centre-save').click();
  const row = page.getByTestId('centre-row-C-FS');
  await expect(row).toContainText('佛山服务中心');
  await expect(row).toContainText('50');

  await row.getByTestId('centre-edit').click();
  await page.locator('#ce-capacity').fill('80');
  await page.getByTestId('centre-save').click();
  await expect(row).toContainText('80');
  const api = await apiAs('admin');
  const c = (await (await api.get('/v1/centres/C-FS')).json()) as { region: string; capacity: number; latitude: number };
  expect(c).toEqual(expect.objectContaining({ region: 'GZ', capacity: 80, latitude: 23.02 }));
  await api.dispose();
});

test('a webhook is registered with its secret shown once, paused, and deleted after confirming', async ({ page }) => {
  await signIn(page, 'admin', '/admin/webhooks');
  await page.getByTestId('webhook-new').click();
  await page.locator('#wh-url').fill('https://127.0.0.1:9/hooks/fieldtrace');
  await page.getByTestId('webhook-save').click();
  // Loopback is refused unless allowed: the reason shows under the URL.
  await expect(fieldError(page, 'wh-url')).toBeVisible();
  await page.getByText('Allow a private or loopback address').click();
  await page.getByTestId('webhook-save').click();
  await expect(page.getByTestId('webhook-secret')).toHaveText(/^[0-9a-f]{64}$/);
  await page.getByRole('button', { name: 'I have stored it' }).click();
  const row = page.getByTestId('webhooks-table').locator('tbody tr', { hasText: '127.0.0.1:9' });
  await expect(row).toContainText('Active');
  await row.getByRole('button', { name: 'Pause' }).click();
  await expect(row).toContainText('Paused');
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.locator('.el-message-box').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('webhooks-table')).toContainText('No webhooks yet.');
});

test('service levels: a target is changed, a wrong order refused beside it; the quote tester answers; a holiday is marked', async ({ page }) => {
  await signIn(page, 'admin', '/admin/service-levels');
  const p4 = page.getByTestId('sl-target-P4');
  await p4.getByRole('spinbutton').first().fill('3000'); // response after arrival
  await p4.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'P4' })).toContainText('Response must not exceed arrival');
  await p4.getByRole('spinbutton').first().fill('300');
  await p4.getByRole('button', { name: 'Save' }).click();
  await expect(p4.getByRole('button', { name: 'Save' })).toBeDisabled();
  const api = await apiAs('admin');
  const sl = (await (await api.get('/v1/service-levels')).json()) as { targets: { priority: string; response_minutes: number }[] };
  expect(sl.targets.find((x) => x.priority === 'P4')?.response_minutes).toBe(300);

  await page.getByTestId('sl-quote').click();
  await expect(page.getByTestId('sl-quote-result')).toContainText(/P[1-4]/);

  await page.getByTestId('admin-tab-calendar').click();
  const year = new Date().getFullYear() + 1;
  await page.locator('#d-date').fill(`${year}-03-09`);
  await page.locator('#d-name').fill('E2E holiday');
  await page.getByRole('button', { name: 'Mark the day' }).click();
  await expect(page.getByTestId('calendar-days')).toContainText('E2E holiday');
  const cal = (await (await api.get(`/v1/calendar?from=${year}-03-09&to=${year}-03-09`)).json()) as { days: { name: string; kind: string }[] };
  expect(cal.days).toEqual([expect.objectContaining({ name: 'E2E holiday', kind: 'holiday' })]);
  await api.dispose();
});

test('screenshots: users and audit @phone', async ({ page }) => {
  await signIn(page, 'admin', '/admin/users');
  for (const lang of ['zh-CN', 'en'] as const) {
    await useLanguage(page, lang);
    await page.goto(page.url().replace(/\/console\/.*$/, '/console/admin/users'));
    await expect(page.getByTestId('users-table')).toContainText('supervisor.gd');
    await shoot(page, 'admin-users');
    await page.goto(page.url().replace(/\/console\/.*$/, '/console/admin/audit'));
    await page.getByTestId('audit-verify').click();
    await expect(page.getByTestId('audit-verdict')).toBeVisible();
    await shoot(page, 'admin-audit');
  }
});
