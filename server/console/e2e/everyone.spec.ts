// What every role does (issue 17, "Everyone"): the knowledge base (search
// and read; a technician drafts, a supervisor reviews and publishes, then
// everyone finds it), notifications and the bell, and the account page
// (change password, sign out everywhere). Accounts other than the demo ones
// are made here through the admin API, so no other spec's user is touched.
import type { Browser, Page } from '@playwright/test';
import { test, expect, signIn, apiAs, consoleUrl, shoot, useLanguage, baseUrl } from './fixtures';

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const STRONG = 'Vermilion-Harbour-93';

/* A technician of the Shenzhen centre (the demo's dispatcher.sz's), new. */
async function newTechnician(prefix: string): Promise<{ id: number; username: string; password: string }> {
  const admin = await apiAs('admin');
  const username = `${prefix}.${unique()}`;
  const res = await admin.post('/v1/users', {
    data: { username, password: STRONG, role: 'technician', region: 'SZ', centre: 'C-SZ', display_name: `E2E ${prefix}` },
  });
  expect(res.status(), await res.text()).toBe(201);
  const { id } = (await res.json()) as { id: number };
  await admin.dispose();
  return { id, username, password: STRONG };
}

/* Signs in through the form as any account. */
async function signInAs(page: Page, username: string, password: string, path = '/'): Promise<void> {
  await page.goto(consoleUrl(path));
  await page.getByTestId('login-form').waitFor();
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.getByTestId('login-form').locator('button[type=submit]').click();
  await expect(page.getByTestId('who')).toContainText(username);
}

/* A new request on a Shenzhen unit, assigned by the centre's dispatcher to
 * the technician: the server notifies the technician (ticket.assigned). */
async function assignNewTicket(technicianId: number, title: string): Promise<number> {
  const dispatcher = await apiAs('dispatcher.sz');
  const created = await dispatcher.post('/v1/tickets', {
    data: { channel: 'internal', category: 'repair', title, asset_id: 1 },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: number };
  const assigned = await dispatcher.post(`/v1/tickets/${id}/transitions`, {
    data: { action: 'assign', assignee_id: technicianId },
  });
  expect(assigned.status(), await assigned.text()).toBe(200);
  await dispatcher.dispose();
  return id;
}

/* A second browser (another user, or the same one elsewhere), held to the
 * fixture's checks too: no CSP violation, uncaught error or missing text. */
const extraChecks: (() => Promise<void>)[] = [];

async function newPage(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US' });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (apply|execute|load|evaluate)/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  extraChecks.push(async () => {
    const missing = await page.evaluate(() => window.__ftMissingKeys ?? []).catch(() => [] as string[]);
    expect([...problems, ...missing], 'the other browser').toEqual([]);
  });
  return page;
}

test.afterEach(async () => {
  const checks = extraChecks.splice(0);
  for (const check of checks) await check();
});

// First, so the pages show the demo data rather than what the tests below add.
test.describe('screenshots', () => {
  test('knowledge base, article, notifications and account in both languages @phone', async ({ page }) => {
    const user = await newTechnician('e2e.shot');
    await assignNewTicket(user.id, 'Switchgear SZ-01 breaker will not close');
    await assignNewTicket(user.id, 'Relay alarm E-21 at Qianwan substation');
    await signInAs(page, user.username, user.password, '/kb');
    for (const lang of ['zh-CN', 'en'] as const) {
      await page.goto(consoleUrl('/kb'));
      await useLanguage(page, lang);
      await expect(page.getByTestId('kb-row').first()).toBeVisible();
      await shoot(page, 'kb');

      await page.goto(consoleUrl('/kb?q=%E6%96%AD%E8%B7%AF%E5%99%A8'));
      await expect(page.getByTestId('kb-hit').first()).toBeVisible();
      await page.getByTestId('kb-hit').first().getByRole('link').click();
      await expect(page.getByTestId('kb-symptoms')).toBeVisible();
      await expect(page.getByTestId('kb-versions').locator('li').first()).toBeVisible();
      await shoot(page, 'kb-article');

      await page.goto(consoleUrl('/notifications'));
      await expect(page.getByTestId('notifications-list').getByTestId('notification').first()).toBeVisible();
      await expect(page.getByTestId('bell-count')).toBeVisible();
      await shoot(page, 'notifications');

      await page.goto(consoleUrl('/account'));
      await expect(page.getByTestId('account-username')).toBeVisible();
      await shoot(page, 'account');
    }
  });
});

test.describe('knowledge base', () => {
  test('a dispatcher searches the knowledge base and reads an article in their language', async ({ page }) => {
    await signIn(page, 'dispatcher.sz', '/kb');
    await page.getByTestId('kb-q').fill('断路器');
    await page.getByTestId('kb-search-submit').click();
    await expect(page).toHaveURL(/\/console\/kb\?q=/);
    const hit = page.getByTestId('kb-hit').first();
    await expect(hit).toContainText('Circuit breaker will not close');
    await expect(hit.locator('mark').first()).toHaveText('断路器');
    await hit.getByRole('link').click();
    await expect(page).toHaveURL(/\/console\/kb\/\d+$/);
    // English reader: the English half of the bilingual demo text...
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Circuit breaker will not close');
    await expect(page.getByTestId('kb-symptoms')).toContainText('The breaker does not close on command');
    await expect(page.getByTestId('kb-symptoms')).not.toContainText('合闸命令');
    // ...and the original on request.
    await page.getByTestId('kb-original').click();
    await expect(page.getByTestId('kb-symptoms')).toContainText('合闸命令发出后断路器不动作');
    // Chinese reader: the Chinese half.
    await page.getByTestId('kb-original').click();
    await useLanguage(page, 'zh-CN');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('断路器拒合');
    await expect(page.getByTestId('kb-safety')).toContainText('必须将手车摇至试验位置');
    await expect(page.getByTestId('kb-safety')).not.toContainText('Rack the truck out');
    // A dispatcher may say whether it solved a request, not write or review.
    await expect(page.getByTestId('kb-feedback')).toBeVisible();
    await expect(page.getByTestId('kb-review')).toHaveCount(0);
    await expect(page.getByTestId('kb-edit')).toHaveCount(0);
    await page.goto(consoleUrl('/kb'));
    await expect(page.getByTestId('kb-list')).toBeVisible();
    await expect(page.getByTestId('kb-new')).toHaveCount(0);
    await expect(page.getByTestId('kb-status-filter')).toHaveCount(0);
  });

  test('a technician drafts an article, a supervisor approves and publishes it, and search finds it', async ({ page, browser }) => {
    const word = `gearbox${unique()}`;
    const title = `接地刀闸操作卡涩 Earthing switch sticks ${word}`;

    // The technician writes it: a draft of theirs, not yet in search.
    await signIn(page, 'tech.sz', '/kb');
    await page.getByTestId('kb-new').click();
    await expect(page).toHaveURL(/\/console\/kb\/new$/);
    await page.getByTestId('kb-title').fill(title);
    await page.getByTestId('kb-symptoms').fill(`接地刀闸分合闸操作费力或卡住。The earthing switch is hard to operate (${word}).`);
    await page.getByTestId('kb-cause').fill('传动连杆缺少润滑。Dry linkage.');
    await page.getByTestId('kb-solution').fill('1. 清洁并润滑传动连杆。\n2. 调整限位。\nClean and grease the linkage, then adjust the stops.');
    await page.getByTestId('kb-fault-codes').fill('e-es-03');
    await page.getByTestId('kb-fault-codes').press('Enter');
    await page.getByTestId('kb-save').click();
    await expect(page).toHaveURL(/\/console\/kb\/\d+$/);
    const id = Number(page.url().split('/').pop());
    await expect(page.getByTestId('kb-status')).toHaveText('Draft');
    await expect(page.getByTestId('kb-meta')).toContainText('E-ES-03');
    // The writer can edit their draft but not review it (four eyes).
    await expect(page.getByTestId('kb-edit')).toBeVisible();
    await expect(page.getByTestId('kb-action-review')).toHaveCount(0);
    await page.getByTestId('kb-edit').click();
    await page.getByTestId('kb-safety_notes').fill('操作前确认主开关已分闸。Open the main breaker first.');
    await page.getByTestId('kb-save').click();
    await expect(page).toHaveURL(new RegExp(`/console/kb/${id}$`));
    await expect(page.getByText('Version 2', { exact: true }).first()).toBeVisible();
    // Listed among the drafts.
    await page.goto(consoleUrl('/kb?status=draft'));
    await expect(page.getByTestId('kb-row').filter({ hasText: 'Earthing switch sticks' }).first()).toBeVisible();

    // The supervisor reviews it and publishes it.
    const sup = await newPage(browser);
    await signIn(sup, 'supervisor.gd', `/kb/${id}`);
    await expect(sup.getByTestId('kb-status')).toHaveText('Draft');
    await sup.getByTestId('kb-action-review').click();
    await sup.getByTestId('kb-review-note').fill('Checked on site.');
    await sup.getByTestId('kb-review-confirm').click();
    await expect(sup.getByTestId('kb-status')).toHaveText('Reviewed');
    await sup.getByTestId('kb-action-publish').click();
    await sup.getByTestId('kb-review-confirm').click();
    await expect(sup.getByTestId('kb-status')).toHaveText('Published');
    await expect(sup.getByTestId('kb-versions')).toContainText('Live');
    await extraChecks.shift()?.();
    await sup.context().close();

    // Anyone finds it now, and it is shown in their language.
    const sales = await newPage(browser);
    await signIn(sales, 'sales.gd', `/kb?q=${word}`);
    const hit = sales.getByTestId('kb-hit').first();
    await expect(hit).toContainText('Earthing switch sticks');
    await hit.getByRole('link').click();
    await expect(sales).toHaveURL(new RegExp(`/console/kb/${id}$`));
    await expect(sales.getByTestId('kb-solution')).toContainText('Clean and grease the linkage');
    await expect(sales.getByTestId('kb-feedback')).toHaveCount(0); // sales do not answer for tickets
    await extraChecks.shift()?.();
    await sales.context().close();
  });

  test('an article title with markup is shown as text', async ({ page }) => {
    const tech = await apiAs('tech.sz');
    const res = await tech.post('/v1/kb/articles', {
      data: { title: '<img src=x onerror=alert(1)> 测试标题', symptoms: '<script>alert(2)</script>' },
    });
    expect(res.status(), await res.text()).toBe(201);
    const { id } = (await res.json()) as { id: number };
    await tech.dispose();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await signIn(page, 'tech.sz', `/kb/${id}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('<img src=x onerror=alert(1)> 测试标题');
    await expect(page.getByTestId('kb-symptoms')).toContainText('<script>alert(2)</script>');
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toBe(0);
  });
});

test.describe('notifications', () => {
  test('an assignment rings the bell, its link opens the request, mark all read clears it', async ({ page }) => {
    const tech = await newTechnician('e2e.bell');
    await page.clock.install();
    await signInAs(page, tech.username, tech.password, '/kb');
    await expect(page.getByTestId('bell')).toBeVisible();
    await expect(page.getByTestId('bell-count')).toHaveCount(0);

    const first = await assignNewTicket(tech.id, 'Bell test: breaker trips');
    const second = await assignNewTicket(tech.id, 'Bell test: relay alarm');
    // The next poll (every 30 s while the page is visible) brings them.
    await page.clock.fastForward('00:31');
    await expect(page.getByTestId('bell-count')).toHaveText('2');
    await expect(page.getByTestId('bell')).toHaveAttribute('aria-label', /2 unread/);

    // Keyboard: the bell opens its panel, Escape closes it and gives the focus back.
    await page.getByTestId('bell').focus();
    await page.keyboard.press('Enter');
    const panel = page.getByTestId('bell-panel');
    await expect(panel).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(panel).toBeHidden();
    await expect(page.getByTestId('bell')).toBeFocused();
    await page.getByTestId('bell').click();
    await expect(panel).toBeVisible();
    const item = panel.getByTestId('notification').filter({ hasText: 'Bell test: breaker trips' });
    await expect(item).toContainText('Request assigned');
    await item.getByTestId('notification-link').click();
    await expect(page).toHaveURL(new RegExp(`/console/tickets/${first}$`));
    await expect(page.getByTestId('bell-count')).toHaveText('1');

    await page.getByTestId('nav-notifications').click();
    await expect(page).toHaveURL(/\/console\/notifications$/);
    const rows = page.getByTestId('notifications-list').getByTestId('notification');
    await expect(rows).toHaveCount(2);
    await expect(rows.filter({ hasText: 'Bell test: relay alarm' }).getByTestId('notification-link')).toHaveAttribute(
      'href',
      `/console/tickets/${second}`,
    );
    await page.getByTestId('notifications-read-all').click();
    await expect(page.getByTestId('bell-count')).toHaveCount(0);
    await expect(page.getByTestId('notifications-list').getByTestId('notification-read')).toHaveCount(0);
    await page.getByTestId('notifications-filter').getByText('Unread').click();
    await expect(page).toHaveURL(/unread=true/);
    await expect(page.getByTestId('notifications-list')).toContainText('Nothing unread.');
  });
});

test.describe('account', () => {
  test('change password: a wrong current one and a weak new one are named, then it changes', async ({ page }) => {
    const user = await newTechnician('e2e.pw');
    await signInAs(page, user.username, user.password, '/account');
    await expect(page.getByTestId('account-username')).toHaveText(user.username);
    await expect(page.getByTestId('account-zone')).not.toBeEmpty();

    const form = page.getByTestId('password-form');
    const fill = async (current: string, next: string, again = next) => {
      await form.getByTestId('pw-current').fill(current);
      await form.getByTestId('pw-new').fill(next);
      await form.getByTestId('pw-confirm').fill(again);
      await form.getByTestId('pw-submit').click();
    };

    await fill('not-my-password-at-all', 'Copper-Lantern-58');
    await expect(page.getByTestId('pw-current-error')).toHaveText('This is not your current password.');
    await expect(page.getByTestId('pw-new-error')).toBeEmpty();

    await fill(user.password, 'password123');
    await expect(page.getByTestId('pw-new-error')).not.toBeEmpty();
    await expect(page.getByTestId('pw-current-error')).toBeEmpty();

    await fill(user.password, 'Copper-Lantern-58', 'Copper-Lantern-59');
    await expect(form).toContainText('The two new passwords differ.');

    await fill(user.password, 'Copper-Lantern-58');
    await expect(page.getByTestId('pw-done')).toBeVisible();

    // Still signed in here; sign out and back in with the new password.
    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/console\/login/);
    await page.locator('#login-username').fill(user.username);
    await page.locator('#login-password').fill(user.password);
    await page.getByTestId('login-form').locator('button[type=submit]').click();
    await expect(page.getByTestId('login-message')).toBeVisible();
    await page.locator('#login-password').fill('Copper-Lantern-58');
    await page.getByTestId('login-form').locator('button[type=submit]').click();
    await expect(page.getByTestId('who')).toContainText(user.username);
  });

  test('sign out everywhere ends the other browser’s session too', async ({ page, browser }) => {
    const user = await newTechnician('e2e.all');
    await signInAs(page, user.username, user.password, '/kb');
    const other = await newPage(browser);
    await signInAs(other, user.username, user.password, '/kb');

    await page.goto(consoleUrl('/account'));
    await page.getByTestId('sign-out-everywhere').click();
    await page.locator('.el-message-box').getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(page).toHaveURL(/\/console\/login/);

    // The other browser finds out on its next request.
    await other.getByTestId('nav-notifications').click();
    await expect(other).toHaveURL(/\/console\/login\?next=/);
    await expect(other.getByTestId('login-message')).toHaveText('Your session has ended. Please sign in again.');
    // And its refresh cookie is no good either.
    const res = await other.request.post(`${baseUrl()}/v1/auth/session/refresh`, {
      headers: { Origin: baseUrl() },
    });
    expect(res.status()).not.toBe(200);
    await extraChecks.shift()?.();
    await other.context().close();
  });
});
