// The customer 360 view (issue 20): /console/customers/{id} answers from
// GET /v1/customers/{id}/overview. An admin reaches it from a request, sees
// the risk signal, units with what covers each, contracts with visits used,
// requests with their SLA state, a year of satisfaction and the contacts
// masked; a technician sees no contracts (they carry prices); a dispatcher
// of another region gets "not yours to see"; phone and
// desktop screenshots in both languages.
import { test, expect, signIn, consoleUrl, apiAs, shoot, useLanguage } from './fixtures';

interface OverviewBody {
  customer: { id: number; name: string };
  risk: { level: string; units_out_of_cover: { count: number }; sla_breaches: { count: number } };
  units: { items: { id: number; serial: string; cover: string }[]; totals: { units: number; cover: { warranty: number; contract: number; none: number } } };
  contracts: { items: { number: string }[] };
  requests: { open: { total: number }; recent: { total: number } };
  maintenance_due: { overdue: number; due: number; items: unknown[] };
}

/* The demo's strategic customer (C-YUEHAI: units under warranty, under a
 * service contract and out of cover) as the API shows it to admin. */
async function demoCustomer(): Promise<OverviewBody> {
  const admin = await apiAs('admin');
  const list = await (await admin.get('/v1/customers?code=C-YUEHAI')).json();
  const id = list.items[0].id as number;
  const res = await admin.get(`/v1/customers/${id}/overview`);
  expect(res.status()).toBe(200);
  return (await res.json()) as OverviewBody;
}

test('an admin opens a customer from a request and sees the whole picture', async ({ page }) => {
  const view = await demoCustomer();
  const admin = await apiAs('admin');
  const tickets = await (await admin.get(`/v1/tickets?customer=${view.customer.id}&limit=1`)).json();
  await signIn(page, 'admin', `/tickets/${tickets.items[0].id}`);
  await page.getByTestId('ticket-customer').click();
  await expect(page).toHaveURL(new RegExp(`/console/customers/${view.customer.id}$`));
  await expect(page.getByTestId('customer-name')).toHaveText(view.customer.name);

  // Risk, as the API counts it.
  await expect(page.getByTestId('customer-risk')).toHaveClass(new RegExp(`risk--${view.risk.level}`));
  await expect(page.getByTestId('risk-out-of-cover')).toContainText(String(view.risk.units_out_of_cover.count));
  await expect(page.getByTestId('risk-breaches')).toContainText(String(view.risk.sla_breaches.count));

  // Units: every one listed, each with what covers it; totals by cover.
  await expect(page.getByTestId('customer-unit')).toHaveCount(view.units.items.length);
  await expect(page.getByTestId('units-cover-none')).toContainText(String(view.units.totals.cover.none));
  const covered = view.units.items.find((u) => u.cover === 'contract');
  expect(covered, 'a demo unit under contract').toBeTruthy();
  await expect(page.getByTestId('customer-unit').filter({ hasText: covered!.serial }).getByTestId('unit-cover')).toHaveText(/contract|合同/i);

  // Contracts with visits used, requests with SLA state, twelve months.
  await expect(page.getByTestId('customer-contract')).toHaveCount(view.contracts.items.length);
  await expect(page.getByTestId('contract-visits').first()).toBeVisible();
  await expect(page.getByTestId('customer-open-requests').getByTestId('customer-request')).toHaveCount(Math.min(20, view.requests.open.total));
  await expect(page.getByTestId('request-sla').first()).toBeVisible();
  await expect(page.getByTestId('satisfaction-month')).toHaveCount(12);

  // Planned maintenance overdue or coming due, as the API counts it.
  await expect(page.getByTestId('maintenance-overdue')).toContainText(String(view.maintenance_due.overdue));
  await expect(page.getByTestId('maintenance-item')).toHaveCount(view.maintenance_due.items.length);

  // Contacts as the API masks them.
  await expect(page.getByTestId('customer-contact').first()).toContainText('*');

  // A unit links to its page.
  await page.getByTestId('customer-unit').first().getByRole('link').click();
  await expect(page).toHaveURL(/\/console\/assets\/\d+$/);
});

test('a technician sees the customer without contracts (prices)', async ({ page }) => {
  const view = await demoCustomer();
  await signIn(page, 'tech.sz', `/customers/${view.customer.id}`);
  await expect(page.getByTestId('customer-risk')).toBeVisible();
  await expect(page.getByTestId('customer-unit').first()).toBeVisible();
  await expect(page.getByTestId('customer-contracts')).toHaveCount(0);
  await expect(page.getByTestId('customer-renewals')).toHaveCount(0);
});

test("another region's customer is not shown", async ({ page }) => {
  const admin = await apiAs('admin');
  const list = await (await admin.get('/v1/customers?code=C-JINLING')).json();
  const id = list.items[0].id as number;
  await signIn(page, 'dispatcher.sz', `/customers/${id}`);
  await expect(page.getByTestId('customer-problem')).toBeVisible();
  await expect(page.getByTestId('customer-risk')).toHaveCount(0);
});

test('customer 360 screenshots @phone', async ({ page }) => {
  const view = await demoCustomer();
  await signIn(page, 'admin', `/customers/${view.customer.id}`);
  for (const lang of ['en', 'zh-CN'] as const) {
    await useLanguage(page, lang);
    await page.goto(consoleUrl(`/customers/${view.customer.id}`));
    await expect(page.getByTestId('customer-risk')).toBeVisible();
    await expect(page.getByTestId('customer-unit').first()).toBeVisible();
    await shoot(page, 'customer');
    await page.getByTestId('customer-units').scrollIntoViewIfNeeded();
    await shoot(page, 'customer-units');
    await page.getByTestId('customer-satisfaction').scrollIntoViewIfNeeded();
    await shoot(page, 'customer-satisfaction');
  }
  await useLanguage(page, 'en');
});
