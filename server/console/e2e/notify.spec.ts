// Issue 18 in the console: a person's notification settings survive a
// reload and a channel goes back to its role's default; the server's refusal
// shows at the field it names; the acknowledgement link does nothing until
// its button is pressed; the admins' deliveries section loads and filters;
// each notification tells where it was delivered.
//
// Its own fieldtrace: settings changed here would change what the other
// specs' people receive.
import type { Page } from '@playwright/test';
import { test, expect, signIn, apiAs, shoot, useLanguage, consoleUrl } from './fixtures';
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

function fieldError(page: Page, inputId: string) {
  return page.locator(`.el-form-item:has(#${inputId}) .el-form-item__error`);
}

interface Settings {
  language: string;
  time_zone: string;
  quiet_hours: { start: string; end: string } | null;
  email: string;
  digest: string;
  digest_is_default: boolean;
  channels: Record<string, Record<string, boolean>>;
  defaults: Record<string, Record<string, boolean>>;
}

async function settingsOf(user: 'supervisor.gd' | 'dispatcher.sz'): Promise<Settings> {
  const api = await apiAs(user);
  const s = (await (await api.get('/v1/me/notification-settings')).json()) as Settings;
  await api.dispose();
  return s;
}

test('settings round trip: changed, reloaded, still there; a channel back to its default', async ({ page }) => {
  await signIn(page, 'supervisor.gd', '/settings/notifications');
  await useLanguage(page, 'en');
  const form = page.getByTestId('notify-settings');
  await expect(form).toBeVisible();
  // The demo has no provider: the channels say so, and stay choosable.
  await expect(page.getByTestId('notify-unavailable')).toContainText('no provider for App push / E-mail / SMS');
  await expect(page.getByTestId('notify-row-sla.escalation')).toContainText('Escalation');

  await page.getByTestId('notify-language').getByText('English').click();
  await choose(page, 'ns-zone', 'Asia/Tokyo');
  await page.getByTestId('notify-quiet-on').check();
  await page.getByTestId('notify-quiet-start').fill('22:30');
  await page.getByTestId('notify-quiet-end').fill('06:30');
  await expect(form).toContainText('Runs overnight, until 06:30');
  await page.locator('#ns-email').fill('li.wei@example.com');
  await choose(page, 'ns-digest', 'Daily');
  const cell = page.getByTestId('notify-cell-sla.warning-email');
  await expect(cell).not.toBeChecked();
  await expect(page.getByTestId('notify-default-sla.warning-email')).toBeVisible();
  await cell.check();
  await expect(page.getByTestId('notify-reset-sla.warning-email')).toBeVisible();
  // (Only what changed goes, a channel back to its default as null: the
  // unit tests of lib/notify.ts check the body; here the server's answer.)
  await page.getByTestId('notify-save').click();
  await expect(page.getByText('Notification settings saved.')).toBeVisible();

  await page.reload();
  await expect(page.getByTestId('notify-settings')).toBeVisible();
  await expect(page.locator('#ns-email')).toHaveValue('li.wei@example.com');
  await expect(page.getByTestId('notify-quiet-start')).toHaveValue('22:30');
  await expect(page.getByTestId('notify-quiet-end')).toHaveValue('06:30');
  await expect(page.locator('.el-select:has(#ns-zone)')).toContainText('Asia/Tokyo');
  await expect(page.locator('.el-select:has(#ns-digest)')).toContainText('Daily');
  await expect(page.getByTestId('notify-cell-sla.warning-email')).toBeChecked();
  let s = await settingsOf('supervisor.gd');
  expect(s).toMatchObject({ language: 'en', time_zone: 'Asia/Tokyo', quiet_hours: { start: '22:30', end: '06:30' }, email: 'li.wei@example.com', digest: 'daily' });
  expect(s.channels['sla.warning']?.email).toBe(true);

  // Back to the role's default: the channel is sent as null.
  await page.getByTestId('notify-reset-sla.warning-email').click();
  await expect(page.getByTestId('notify-default-sla.warning-email')).toBeVisible();
  await expect(page.getByTestId('notify-cell-sla.warning-email')).not.toBeChecked();
  await page.getByTestId('notify-save').click();
  await expect(page.getByText('Notification settings saved.').first()).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('notify-default-sla.warning-email')).toBeVisible();
  s = await settingsOf('supervisor.gd');
  expect(s.channels['sla.warning']?.email).toBe(s.defaults['sla.warning']?.email);

  // Reachable from the account page and the notifications page.
  await page.goto(consoleUrl('/account'));
  await page.getByTestId('account-notify-link').click();
  await expect(page).toHaveURL(/\/console\/settings\/notifications$/);
  await page.goto(consoleUrl('/notifications'));
  await page.getByTestId('notifications-settings').click();
  await expect(page.getByTestId('notify-settings')).toBeVisible();
});

test("the server's refusal shows at its field, and nothing is stored", async ({ page }) => {
  await signIn(page, 'dispatcher.sz', '/settings/notifications');
  await useLanguage(page, 'en');
  await expect(page.getByTestId('notify-settings')).toBeVisible();
  // Not checked in the browser: the server's own words come back.
  await page.locator('#ns-email').fill('ops@localhost');
  await page.getByTestId('notify-quiet-on').check();
  await page.getByTestId('notify-quiet-start').fill('23:00');
  await page.getByTestId('notify-quiet-end').fill('07:00');
  await page.getByTestId('notify-save').click();
  await expect(fieldError(page, 'ns-email')).toContainText('must be an e-mail address');
  await expect(page.getByTestId('notify-errors')).toContainText('Please correct the fields marked below.');
  await expect(page.getByTestId('notify-quiet-error')).toHaveCount(0);
  const s = await settingsOf('dispatcher.sz');
  expect(s.email).toBe('dispatcher.sz@example.cn'); // the demo's, unchanged
  expect(s.quiet_hours).toBeNull();

  // Quiet hours are checked before they go: equal ends.
  await page.locator('#ns-email').fill('');
  await page.getByTestId('notify-quiet-end').fill('23:00');
  await page.getByTestId('notify-save').click();
  await expect(page.getByTestId('notify-quiet-error')).toContainText('The end must differ from the start.');
  await expect(fieldError(page, 'ns-email')).toHaveCount(0);
});

test('the acknowledgement link acknowledges nothing on opening; an unknown token says so', async ({ page }) => {
  const posts: string[] = [];
  const looks: string[] = [];
  page.on('request', (r) => {
    if (!r.url().includes('/v1/escalations/ack')) return;
    (r.method() === 'POST' ? posts : looks).push(r.url());
  });
  const token = 'c0ffee'.repeat(8);
  await page.goto(consoleUrl(`/ack?token=${token}`));
  await useLanguage(page, 'zh-CN');
  await expect(page.getByTestId('ack-page')).toContainText('确认升级');
  // The page only looks the link up (GET): the server does not know it, so
  // it says so and offers no button; nothing was acknowledged (a mail
  // scanner opening the link acknowledges nothing).
  await expect(page.getByTestId('ack-error')).toContainText('无法识别此链接');
  await expect(page.getByTestId('ack-button')).toHaveCount(0);
  await page.waitForTimeout(1000);
  expect(looks.length).toBeGreaterThan(0);
  expect(posts).toEqual([]);
  await shoot(page, 'ack');

  await useLanguage(page, 'en');
  await page.goto(consoleUrl('/ack?token=not-a-token'));
  await expect(page.getByTestId('ack-malformed')).toContainText('This link is incomplete');
  await expect(page.getByTestId('ack-button')).toHaveCount(0);
  expect(posts).toEqual([]);
});

test('admin → deliveries: the providers, and the list filtered by state, channel, event and person', async ({ page }) => {
  await signIn(page, 'admin', '/admin/deliveries');
  await useLanguage(page, 'en');
  await expect(page.getByTestId('admin-tab-deliveries')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('lane-smtp')).toContainText('Not configured');
  await expect(page.getByTestId('lane-fcm')).toContainText('App push');
  await expect(page.getByTestId('robots-none')).toBeVisible();
  await expect(page.getByTestId('deliveries-empty')).toBeVisible();
  await shoot(page, 'admin-deliveries');

  const asked = (pred: (u: URL) => boolean) =>
    page.waitForRequest((r) => r.url().includes('/v1/deliveries?') && pred(new URL(r.url())));
  let req = asked((u) => u.searchParams.get('status') === 'dead');
  await choose(page, 'dl-status', 'Dead');
  await req;
  req = asked((u) => u.searchParams.get('status') === 'dead' && u.searchParams.get('channel') === 'sms');
  await choose(page, 'dl-channel', 'SMS');
  await req;
  req = asked((u) => u.searchParams.get('kind') === 'sla.escalation');
  await choose(page, 'dl-kind', 'Escalation');
  await req;
  req = asked((u) => u.searchParams.get('user_id') === '1');
  await page.locator('#dl-user').fill('1');
  await page.getByTestId('deliveries-apply').click();
  await req;
  await expect(page.getByTestId('deliveries-empty')).toBeVisible();
  await expect(page.getByTestId('deliveries-error')).toHaveCount(0);
});

test("a person sees each notification's deliveries", async ({ page }) => {
  // The sales warranty digest is written by the scheduler soon after start.
  const api = await apiAs('sales.gd');
  await expect
    .poll(async () => ((await (await api.get('/v1/notifications?limit=1')).json()) as { items: unknown[] }).items.length, { timeout: 30_000 })
    .toBeGreaterThan(0);
  await api.dispose();
  await signIn(page, 'sales.gd', '/notifications');
  await useLanguage(page, 'en');
  const first = page.getByTestId('notifications-list').getByTestId('notification').first();
  await expect(first).toBeVisible();
  const req = page.waitForRequest((r) => r.url().includes('/v1/deliveries?') && new URL(r.url()).searchParams.has('notification_id'));
  await first.getByTestId('notification-deliveries-toggle').click();
  await req;
  await expect(first.getByTestId('notification-deliveries')).toContainText('Not sent outside the console (in-app only).');
});

test('the settings page on a phone and a desktop, in both languages @phone', async ({ page }) => {
  await signIn(page, 'sales.gd', '/settings/notifications');
  for (const lang of ['zh-CN', 'en'] as const) {
    await useLanguage(page, lang);
    await page.goto(consoleUrl('/settings/notifications'));
    await expect(page.getByTestId('notify-grid')).toBeVisible();
    await expect(page.getByTestId('notify-row-warranty.digest')).toContainText(lang === 'en' ? 'Warranty expiry reminder' : '质保到期提醒');
    // Nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await expect(page.getByTestId('notify-save')).toBeInViewport();
    await shoot(page, 'notification-settings');
  }
});
