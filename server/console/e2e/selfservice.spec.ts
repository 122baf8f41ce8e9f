// Customer self-service (issue 19 part 2): a customer's phone opens the
// unit's QR link, reports a fault through the nameplate page's form (no
// script on the page) with a photo from the phone and lands on the tracking
// page; staff find the photo on the ticket (channel qr). A server of its own,
// so the ticket it opens changes nothing the other specs count.
import { request } from '@playwright/test';
import { test, expect, shoot } from './fixtures';
import { startServer, type Server } from './server';

let server: Server;

test.beforeAll(async () => {
  server = await startServer();
});

test.afterAll(async () => {
  await server?.stop();
});

// A 2x2 PNG, as a phone's camera would hand one over (smaller).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAE0lEQVR4nGP4z8AARAwMvFxABAAXhAItqSsWIAAAAABJRU5ErkJggg==',
  'base64',
);

async function adminApi() {
  const api = await request.newContext({ baseURL: server.url, ignoreHTTPSErrors: true });
  const login = await api.post('/v1/auth/login', { data: { username: 'admin', password: 'fieldtrace-demo' } });
  expect(login.status()).toBe(200);
  const { access_token } = (await login.json()) as { access_token: string };
  return { api, headers: { Authorization: `Bearer ${access_token}` } };
}

/* The path of a demo unit's current label (/id/{code}). */
async function labelPath(): Promise<string> {
  const { api, headers } = await adminApi();
  const access_token = headers.Authorization.slice(7);
  const res = await api.get('/v1/assets/1', { headers: { Authorization: `Bearer ${access_token}` } });
  expect(res.status()).toBe(200);
  const trace = (await res.json()) as { label: { code: string } | null };
  await api.dispose();
  expect(trace.label).not.toBeNull();
  return `/id/${trace.label!.code}`;
}

test.describe('at phone size', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('a customer reports a fault from the nameplate and sees it tracked @phone', async ({ page }) => {
    const path = await labelPath();
    await page.goto(`${server.url}${path}`);
    const form = page.locator(`form[action="${path}/report"]`);
    await expect(form).toBeVisible();
    // Usable at 390 px: nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The honeypot is not for people.
    await expect(page.locator('#website')).not.toBeInViewport();
    await page.locator('#category').selectOption('fault_repair');
    await page.locator('#description').fill('报警 E-07，柜门指示灯闪烁 Alarm E-07');
    await page.locator('#contact_name').fill('Wang Xiaoming');
    await page.locator('#contact_phone').fill('13912345678');
    // A phone offers its camera for these; here the file is handed over.
    await expect(page.locator('input[type="file"][name="photo"]')).toHaveCount(3);
    await page.locator('#photo1').setInputFiles({ name: 'IMG_0001.png', mimeType: 'image/png', buffer: PNG });
    await shoot(page, 'nameplate-report', true);
    await form.locator('button[type="submit"]').click();
    await expect(page).toHaveURL(/\/track\/[0-9a-f]{48}$/);
    await expect(page.locator('h1')).toContainText('FT-');
    await expect(page.locator('main')).toContainText('Received');
    await expect(page.locator('main')).not.toContainText('13912345678');
    await expect(page.locator('main')).not.toContainText('Wang Xiaoming');
    const overflowTrack = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflowTrack).toBeLessThanOrEqual(0);
    await shoot(page, 'tracking', true);
    // The tracking page does not show the photo back; staff see it on the
    // ticket, which entered as channel qr.
    await expect(page.locator('img')).toHaveCount(0);
    const { api, headers } = await adminApi();
    const list = await api.get('/v1/tickets?channel=qr', { headers });
    expect(list.status()).toBe(200);
    const { items } = (await list.json()) as { items: { id: number; channel: string }[] };
    expect(items.length).toBeGreaterThanOrEqual(1);
    const photos = await api.get(`/v1/tickets/${items[0].id}/attachments`, { headers });
    expect(photos.status()).toBe(200);
    const { items: got } = (await photos.json()) as { items: { kind: string; media_type: string; size: number }[] };
    expect(got.map((a) => [a.kind, a.media_type, a.size])).toEqual([['photo', 'image/png', PNG.length]]);
    await api.dispose();
  });
});
