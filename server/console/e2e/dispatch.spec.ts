// The dispatcher's console (issue 17): the live board, a request's page with
// its actions, and the intake form, against a real fieldtrace on the demo
// data. Each test opens its own requests on a Shenzhen unit (dispatcher.sz's
// centre, tech.sz's jobs) so the specs never step on each other's data.
import type { APIRequestContext, Page } from '@playwright/test';
import { test, expect, signIn, apiAs, consoleUrl, shoot, useLanguage } from './fixtures';

const SZ_SERIAL = 'FT202412-0002'; // a demo unit at a Shenzhen site (server/demo)

interface Opened {
  id: number;
  number: string;
  version: number;
}

async function unitId(api: APIRequestContext, serial = SZ_SERIAL): Promise<number> {
  const r = await api.get(`/v1/assets?serial=${encodeURIComponent(serial)}`);
  expect(r.status()).toBe(200);
  const { items } = (await r.json()) as { items: { id: number }[] };
  expect(items.length).toBe(1);
  return items[0]!.id;
}

/* Opens a request on the Shenzhen unit, as the dispatcher would by phone. */
async function openTicket(api: APIRequestContext, title: string, extra: Record<string, unknown> = {}): Promise<Opened> {
  const r = await api.post('/v1/tickets', {
    data: { channel: 'internal', category: 'repair', title, asset_id: await unitId(api), ...extra },
  });
  expect(r.status(), await r.text()).toBe(201);
  return (await r.json()) as Opened;
}

async function act(api: APIRequestContext, id: number, body: Record<string, unknown>): Promise<Opened> {
  const r = await api.post(`/v1/tickets/${id}/transitions`, { data: body });
  expect(r.status(), await r.text()).toBe(200);
  return (await r.json()) as Opened;
}

async function techId(api: APIRequestContext, id: number, username: string): Promise<number> {
  const r = await api.get(`/v1/tickets/${id}/candidates`);
  expect(r.status()).toBe(200);
  const { items } = (await r.json()) as { items: { user_id: number; username: string }[] };
  const c = items.find((x) => x.username === username);
  expect(c, `${username} is a candidate`).toBeTruthy();
  return c!.user_id;
}

const card = (page: Page, group: string, id: number) =>
  page.getByTestId(`board-column-${group}`).getByTestId(`board-card-${id}`);

const errorMessage = (page: Page) => page.locator('.el-message--error');

test('the dispatcher assigns from the ranked candidates, and the board follows changes made elsewhere within 5 s', async ({ page }) => {
  const dispatcher = await apiAs('dispatcher.sz');
  const tech = await apiAs('tech.sz');
  const t = await openTicket(dispatcher, 'E2E: 断路器拒合，需派工');

  await signIn(page, 'dispatcher.sz');
  await expect(page).toHaveURL(/\/console\/dispatch$/);
  await expect(page.getByTestId('feed-state')).toHaveAttribute('data-state', 'live');
  const newCard = card(page, 'dispatch', t.id);
  await expect(newCard).toBeVisible();
  await expect(newCard).toContainText(t.number);
  await expect(newCard).toContainText(SZ_SERIAL);
  await expect(newCard.getByTestId('sla-clock')).toBeVisible();

  // The search narrows the board, and lives in the address.
  await page.getByTestId('board-search').fill(t.number);
  await expect(page).toHaveURL(new RegExp(`q=${t.number}`));
  await expect(page.locator('[data-card]')).toHaveCount(1);
  await page.getByTestId('board-search').fill('');

  // Open it (keyboard: the card is a link), assign tech.sz from the ranking.
  await newCard.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/console/tickets/${t.id}$`));
  await expect(page.getByTestId('ticket-number')).toHaveText(t.number);
  await expect(page.getByTestId('ticket-routing')).toContainText('C-SZ');
  await expect(page.getByTestId('ticket-history').getByTestId('history-entry')).toHaveCount(2);
  await page.getByTestId('action-assign').click();
  const dialog = page.getByTestId('action-dialog');
  const candidate = page.getByTestId('candidate-tech.sz');
  await expect(candidate).toBeVisible();
  await expect(candidate).toContainText(/km/);
  await page.getByTestId('assign-tech.sz').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('ticket-status')).toHaveText(/Assigned|已派工/);
  await expect(page.getByTestId('ticket-assignee')).toHaveText('tech.sz');
  await expect(page.getByTestId('ticket-history').getByTestId('history-entry').first()).toHaveAttribute('data-action', 'assign');

  // Back on the board: it shows the request assigned.
  await page.getByTestId('ticket-back').click();
  const assigned = card(page, 'dispatched', t.id);
  await expect(assigned).toBeVisible();
  await expect(assigned.getByTestId('card-assignee')).toHaveText(/tech\.sz/);

  // The technician's app moves it; the open board follows without a reload.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  await act(tech, t.id, { action: 'accept' });
  await expect(assigned).toHaveAttribute('data-status', 'accepted', { timeout: 5000 });
  await act(tech, t.id, { action: 'depart' });
  await expect(card(page, 'field', t.id)).toHaveAttribute('data-status', 'en_route', { timeout: 5000 });
  await act(tech, t.id, { action: 'arrive', latitude: 22.54, longitude: 113.951 });
  await expect(card(page, 'field', t.id)).toHaveAttribute('data-status', 'on_site', { timeout: 5000 });
  // A request cancelled elsewhere leaves the board.
  const gone = await openTicket(dispatcher, 'E2E: 取消的请求');
  await expect(card(page, 'dispatch', gone.id)).toBeVisible({ timeout: 5000 });
  await act(dispatcher, gone.id, { action: 'cancel', note: '客户来电取消' });
  await expect(page.getByTestId(`board-card-${gone.id}`)).toHaveCount(0, { timeout: 5000 });
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  await dispatcher.dispose();
  await tech.dispose();
});

test('the filters are in the address, so a link reproduces the view', async ({ page }) => {
  const dispatcher = await apiAs('dispatcher.sz');
  const t = await openTicket(dispatcher, 'E2E: 过滤器测试', { channel: 'wechat', contact: { name: '刘经理', phone: '13900000002' } });
  await signIn(page, 'dispatcher.sz', `/dispatch?channel=wechat&assignee=unassigned`);
  await expect(page.getByTestId('feed-state')).toHaveAttribute('data-state', 'live');
  await expect(card(page, 'dispatch', t.id)).toBeVisible();
  const cards = page.locator('[data-card]');
  for (const c of await cards.all()) await expect(c.getByTestId('card-assignee')).toHaveText(/Unassigned|未派工/);
  await page.getByTestId('filter-overdue').click();
  await expect(page).toHaveURL(/overdue=1/);
  await expect(page).toHaveURL(/channel=wechat/);
  await page.getByTestId('filter-clear').click();
  await expect(page).toHaveURL(/\/console\/dispatch$/);
  await dispatcher.dispose();
});

test('a request changed elsewhere: the 412 or 409 is a plain message and the page reloads the request', async ({ page }) => {
  const dispatcher = await apiAs('dispatcher.sz');
  const t = await openTicket(dispatcher, 'E2E: 并发修改');
  await signIn(page, 'dispatcher.sz', `/tickets/${t.id}`);
  await expect(page.getByTestId('ticket-status')).toHaveText(/Routed|待派工/);
  const before = Number(await page.getByTestId('ticket-page').getAttribute('data-version'));

  // Someone else assigns it meanwhile: this page still shows version 1.
  await act(dispatcher, t.id, { action: 'assign', assignee_id: await techId(dispatcher, t.id, 'tech.sz') });
  await page.getByTestId('action-assign').click();
  await page.getByTestId('assign-tech.sz').click();
  await expect(errorMessage(page)).toContainText(/changed since you opened it|打开后此记录已有变化/);
  await expect(page.getByTestId('ticket-status')).toHaveText(/Assigned|已派工/);
  expect(Number(await page.getByTestId('ticket-page').getAttribute('data-version'))).toBeGreaterThan(before);
  await page.locator('.el-message__closeBtn').first().click();

  // Someone else cancels it: waiting on the customer is no longer allowed.
  await act(dispatcher, t.id, { action: 'cancel', note: '重复报修' });
  await page.getByTestId('action-wait').click();
  await page.getByTestId('action-note').fill('客户要求改天上门');
  await page.getByTestId('action-submit').click();
  await expect(errorMessage(page)).toContainText(/Someone changed this|已被他人修改/);
  await expect(errorMessage(page)).toContainText('cannot wait');
  await expect(page.getByTestId('ticket-status')).toHaveText(/Cancelled|已取消/);
  await expect(page.getByTestId('action-wait')).toHaveCount(0);
  await dispatcher.dispose();
});

test('a title or a caller named like markup shows as those characters, on the board and the request page', async ({ page }) => {
  const xss = '<img src=x onerror=alert(1)>';
  const dispatcher = await apiAs('dispatcher.sz');
  const t = await openTicket(dispatcher, xss, { channel: 'hotline', contact: { name: xss, phone: '13800000009' } });
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await signIn(page, 'dispatcher.sz');
  await expect(card(page, 'dispatch', t.id)).toContainText(xss);
  await expect(card(page, 'dispatch', t.id).locator('img')).toHaveCount(0);
  await card(page, 'dispatch', t.id).click();
  await expect(page.getByTestId('ticket-title')).toHaveText(xss);
  await expect(page.getByTestId('ticket-page').locator('img')).toHaveCount(0);
  expect(dialogs).toBe(0);
  await act(dispatcher, t.id, { action: 'cancel', note: 'e2e' }); // off the board the screenshots show
  await dispatcher.dispose();
});

test('intake: a hotline request for a unit found by serial lands on its page', async ({ page }) => {
  await signIn(page, 'dispatcher.sz', '/intake');
  await page.getByTestId('channel-hotline').click();
  await page.getByTestId('intake-serial').fill(SZ_SERIAL);
  await page.getByTestId('intake-find').click();
  await expect(page.getByTestId('intake-target-serial')).toHaveText(SZ_SERIAL);
  await page.getByTestId('intake-contact-name').fill('陈工');
  await page.getByTestId('intake-contact-phone').fill('13800000001');
  await page.getByTestId('intake-category').click();
  await page.getByRole('option', { name: /Fault repair|故障报修/ }).click();
  await expect(page.getByTestId('intake-subcategory')).toContainText(/Repair|故障维修/);
  await page.getByTestId('intake-title').fill('E2E: 开关柜异响');
  await expect(page.getByTestId('intake-quote')).toContainText(/P[1-4]/);
  await page.getByTestId('intake-submit').click();
  await expect(page).toHaveURL(/\/console\/tickets\/\d+$/);
  await expect(page.getByTestId('ticket-unit')).toHaveText(SZ_SERIAL);
  await expect(page.getByTestId('ticket-title')).toHaveText('E2E: 开关柜异响');
  await expect(page.getByTestId('ticket-contact')).toContainText('陈*'); // masked as the API masks it
});

test('intake: a missing or wrong phone is shown next to the field @phone', async ({ page }) => {
  await signIn(page, 'dispatcher.sz', '/intake');
  await page.getByTestId('find-code').click();
  const api = await apiAs('dispatcher.sz');
  const trace = (await (await api.get(`/v1/assets/${await unitId(api)}`)).json()) as { label: { link: string } };
  await api.dispose();
  await page.getByTestId('intake-code').fill(trace.label.link);
  await page.getByTestId('intake-find').click();
  await expect(page.getByTestId('intake-target-serial')).toHaveText(SZ_SERIAL);
  await page.getByTestId('intake-contact-name').fill('Mr. Zhou');
  await page.getByTestId('intake-category').click();
  await page.getByRole('option', { name: /Fault repair|故障报修/ }).click();
  await page.getByTestId('intake-title').fill('E2E: no phone');
  await page.getByTestId('intake-submit').click();
  const phone = page.getByTestId('field-contact-phone');
  await expect(phone.locator('.el-form-item__error')).toHaveText(/caller’s phone|报修人电话/);
  await expect(page).toHaveURL(/\/console\/intake$/);
  // The server's own check: named by its pointer, shown at the same place.
  await page.getByTestId('intake-contact-phone').fill('12');
  await page.getByTestId('intake-submit').click();
  await expect(phone.locator('.el-form-item__error')).toHaveText('is not a phone number');
  await expect(page).toHaveURL(/\/console\/intake$/);
});

test('screenshots of the board, a request and the intake form @phone', async ({ page }) => {
  const dispatcher = await apiAs('dispatcher.sz');
  const tech = await apiAs('tech.sz');
  // A board with something in most columns.
  const a = await openTicket(dispatcher, '综保装置告警 E-21，需现场检查', { channel: 'hotline', urgency: 'high', contact: { name: '林晓婷', phone: '13826541122' } });
  const techUser = await techId(dispatcher, a.id, 'tech.sz');
  await act(dispatcher, a.id, { action: 'assign', assignee_id: techUser });
  await act(tech, a.id, { action: 'accept' });
  await act(tech, a.id, { action: 'depart' });
  const b = await openTicket(dispatcher, '柜门铰链断裂', { channel: 'wechat', contact: { name: '刘经理', phone: '13900000002' } });
  await act(dispatcher, b.id, { action: 'wait', note: '客户要求下周上门' });
  const c = await openTicket(dispatcher, '年度预防性试验', { channel: 'web', urgency: 'low', contact: { name: '孙女士', phone: '13600000004' } });
  await act(dispatcher, c.id, { action: 'assign', assignee_id: techUser });

  for (const lang of ['zh-CN', 'en'] as const) {
    await signIn(page, 'dispatcher.sz');
    await useLanguage(page, lang);
    await expect(page.getByTestId('feed-state')).toHaveAttribute('data-state', 'live');
    await expect(card(page, 'field', a.id)).toBeVisible();
    await shoot(page, 'dispatch');
    await page.goto(consoleUrl(`/tickets/${a.id}`));
    await expect(page.getByTestId('ticket-history').getByTestId('history-entry').first()).toBeVisible();
    await shoot(page, 'ticket');
    await page.goto(consoleUrl('/intake'));
    await page.getByTestId('intake-serial').fill(SZ_SERIAL);
    await page.getByTestId('intake-find').click();
    await expect(page.getByTestId('intake-target-serial')).toHaveText(SZ_SERIAL);
    await page.getByTestId('intake-category').click();
    await page.getByRole('option', { name: /Fault repair|故障报修/ }).click();
    await expect(page.getByTestId('intake-quote')).toContainText(/P[1-4]/);
    await expect(page.locator('.el-select__popper:visible')).toHaveCount(0);
    await shoot(page, 'intake');
    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/console\/login/);
  }
  await dispatcher.dispose();
  await tech.dispose();
});
