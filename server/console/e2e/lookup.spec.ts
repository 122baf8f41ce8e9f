// Everyone (issue 17): look a unit up by serial, by its QR label through the
// camera (a fake camera playing the unit's real label) or a photo of it, and
// see its whole trace; an XSS name shows as text.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { test, expect, signIn, consoleUrl, apiAs, shoot, useLanguage } from './fixtures';
import { y4mFromPng } from './y4m';

interface Trace {
  id: number;
  serial: string;
  model: { code: string; name: string };
  production: { plant: string; batch: string };
  procurement: { components: { component_serial: string }[] };
  installation: { site: { name: string } | null; customer: { id: number; name: string } | null };
  warranty: { end: string | null };
  latest_events: { summary: string }[];
  label: { code: string; link: string } | null;
}

/* Asset 1 of the demo data: a KYN28-12 at a Shenzhen site (dispatcher.sz's area). */
async function demoUnit(): Promise<{ trace: Trace; png: Buffer }> {
  const admin = await apiAs('admin');
  const trace = (await (await admin.get('/v1/assets/1')).json()) as Trace;
  const res = await admin.get('/v1/assets/1/label.png');
  expect(res.status()).toBe(200);
  const png = await res.body();
  await admin.dispose();
  return { trace, png };
}

test('lookup by serial: the trace shows design, production, components, installation, warranty and timeline', async ({ page }) => {
  const { trace } = await demoUnit();
  await signIn(page, 'dispatcher.sz', '/lookup');
  await page.getByTestId('lookup-input').fill(trace.serial);
  await page.getByTestId('lookup-submit').click();
  const result = page.getByTestId('lookup-result');
  await expect(result).toHaveCount(1);
  await result.getByRole('link', { name: trace.serial }).click();
  await expect(page).toHaveURL(new RegExp(`/console/assets/${trace.id}$`));

  for (const h of ['Design', 'Production', 'Components', 'Installation', 'Warranty', 'Timeline'])
    await expect(page.getByRole('heading', { name: h, exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(trace.serial);
  await expect(page.getByTestId('trace-model-code')).toHaveText(trace.model.code);
  await expect(page.getByTestId('trace-plant')).toHaveText(trace.production.plant);
  await expect(page.getByTestId('trace-batch')).toHaveText(trace.production.batch);
  for (const c of trace.procurement.components) await expect(page.getByTestId('trace-components')).toContainText(c.component_serial);
  await expect(page.getByTestId('trace-site')).toContainText(trace.installation.site!.name);
  await expect(page.getByTestId('trace-customer')).toHaveText(trace.installation.customer!.name);
  const end = await page.evaluate(
    (d) => new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(new Date(`${d}T00:00:00`)),
    trace.warranty.end!,
  );
  await expect(page.getByTestId('trace-warranty-end')).toHaveText(end);
  await expect(page.getByTestId('trace-timeline')).toContainText(trace.latest_events[0]!.summary);
  await expect(page.getByTestId('label-code')).toHaveText(trace.label!.code);
  // The label image came through the token as a blob: URL.
  const img = page.getByTestId('label-image');
  await expect(img).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);

  // More of the timeline, page by page.
  await page.getByTestId('timeline-more').click();
  const admin = await apiAs('admin');
  const firstPage = (await (await admin.get(`/v1/assets/${trace.id}/timeline?limit=20`)).json()) as { items: unknown[] };
  await admin.dispose();
  await expect(page.getByTestId('timeline-event')).toHaveCount(firstPage.items.length);
});

test('a pasted label link opens the unit; a serial nobody has says so', async ({ page }) => {
  const { trace } = await demoUnit();
  await signIn(page, 'admin', '/lookup');
  await page.getByTestId('lookup-input').fill(trace.label!.link);
  await page.getByTestId('lookup-submit').click();
  await expect(page).toHaveURL(new RegExp(`/console/assets/${trace.id}$`));
  await page.goto(consoleUrl('/lookup'));
  await page.getByTestId('lookup-input').fill('NO-SUCH-SERIAL-1');
  await page.getByTestId('lookup-submit').click();
  await expect(page.getByTestId('lookup-message')).toContainText('NO-SUCH-SERIAL-1');
});

test('a photo of the label (an image file) opens the unit', async ({ page }) => {
  const { trace, png } = await demoUnit();
  await signIn(page, 'dispatcher.sz', '/lookup');
  await page.getByTestId('scan-file').setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: png });
  await expect(page).toHaveURL(new RegExp(`/console/assets/${trace.id}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(trace.serial);
});

test('no camera: a clear message instead of a scanner', async ({ page }) => {
  await signIn(page, 'dispatcher.sz', '/lookup');
  await page.getByTestId('scan-camera').click();
  await expect(page.getByTestId('scan-error')).toBeVisible();
  await expect(page.getByTestId('scan-error')).toContainText(/camera/i);
  await page.getByTestId('scan-stop').click();
  await expect(page.getByTestId('qr-scanner')).toHaveCount(0);
});

/* The checks the fixture makes on its own page, for a page of a browser
 * this test launches itself. */
function watchPage(page: Page): () => Promise<void> {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (apply|execute|load|evaluate)/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return async () => {
    const missing = await page.evaluate(() => window.__ftMissingKeys ?? []).catch(() => [] as string[]);
    expect(missing, 'translation keys missing').toEqual([]);
    expect(problems, 'CSP violations or uncaught errors').toEqual([]);
  };
}

test('camera lookup: the unit’s real label shown to a fake camera opens its page', async () => {
  const { trace, png } = await demoUnit();
  const dir = mkdtempSync(join(tmpdir(), 'fieldtrace-cam-'));
  const video = join(dir, 'label.y4m');
  writeFileSync(video, y4mFromPng(png));
  const browser = await chromium.launch({
    executablePath: process.env.FIELDTRACE_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    await context.grantPermissions(['camera']);
    const page = await context.newPage();
    const check = watchPage(page);
    await signIn(page, 'dispatcher.sz', '/lookup');
    await page.getByTestId('scan-camera').click();
    await expect(page).toHaveURL(new RegExp(`/console/assets/${trace.id}$`), { timeout: 20_000 });
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(trace.serial);
    // Leaving the page stopped the camera.
    expect(await page.evaluate(() => document.querySelectorAll('video').length)).toBe(0);
    await check();
  } finally {
    await browser.close();
  }
});

test('an XSS name shows as those characters, and nothing runs', async ({ page }) => {
  const evil = '<img src=x onerror=alert(1)>';
  const stamp = Date.now();
  const admin = await apiAs('admin');
  const cust = await admin.post('/v1/customers', {
    data: { code: `C-XSS-${stamp}`, name: evil, tier: 'B', region: 'SZ', contacts: [{ name: evil, phone: '13800001111', title: evil }] },
  });
  expect(cust.status(), await cust.text()).toBe(201);
  const customer = await cust.json();
  const site = await admin.post('/v1/sites', {
    data: { customer_id: customer.id, code: `S-XSS-${stamp}`, name: evil, address: evil, region: 'SZ' },
  });
  expect(site.status(), await site.text()).toBe(201);
  const siteId = (await site.json()).id;
  const asset = await admin.post('/v1/assets', {
    data: {
      serial: `XSS-${stamp}`,
      model: 'KYN28-12',
      production: { plant: evil, line: 'L1', batch: 'B-XSS', date: '2025-01-02', tests: [{ name: evil, result: 'pass' }] },
      installation: { site_id: siteId, installed_at: '2025-02-01', commissioned_at: '2025-02-03', accepted_at: '2025-02-05' },
      warranty: { months: 24 },
    },
  });
  expect(asset.status(), await asset.text()).toBe(201);
  const assetId = (await asset.json()).id;
  await admin.dispose();

  // Any alert() would be the injected markup running.
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });

  await signIn(page, 'admin', `/customers/${customer.id}`);
  await expect(page.getByTestId('customer-name')).toHaveText(evil);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(evil);
  // The contact's name is masked (its first character kept); the title never is.
  await expect(page.getByTestId('customer-contact').first()).toContainText(`${evil}`);
  await expect(page.getByTestId('customer-site').first()).toContainText(evil);
  await expect(page.getByTestId('customer-unit')).toHaveCount(1);
  expect(await page.locator('img[src="x"]').count()).toBe(0);

  await page.getByTestId('customer-unit').getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/console/assets/${assetId}$`));
  await expect(page.getByTestId('trace-customer')).toHaveText(evil);
  await expect(page.getByTestId('trace-site')).toContainText(evil);
  await expect(page.getByTestId('trace-plant')).toHaveText(evil);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('lookup, unit and customer screenshots @phone', async ({ page }) => {
  const { trace } = await demoUnit();
  await signIn(page, 'dispatcher.sz', `/lookup?q=${trace.serial}`);
  await expect(page.getByTestId('lookup-result')).toHaveCount(1);
  for (const lang of ['en', 'zh-CN'] as const) {
    await useLanguage(page, lang);
    await page.goto(consoleUrl(`/lookup?q=${trace.serial}`));
    await expect(page.getByTestId('lookup-result')).toHaveCount(1);
    await shoot(page, 'lookup');
    await page.goto(consoleUrl(`/assets/${trace.id}`));
    await expect(page.getByTestId('label-image')).toBeVisible();
    await shoot(page, 'asset');
    await page.goto(consoleUrl(`/customers/${trace.installation.customer!.id}`));
    await expect(page.getByTestId('customer-unit').first()).toBeVisible();
    await expect(page.getByTestId('customer-request').first()).toBeVisible();
    await shoot(page, 'customer');
  }
  await useLanguage(page, 'en');
});
