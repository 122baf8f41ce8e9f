// make bench-console, part 1: what a dispatcher's browser sees.
//  - cold load of the board on Chrome's "Fast 3G" profile (562.5 ms RTT,
//    1.44 Mbit/s down, 675 kbit/s up), with an empty cache and a signed-in
//    session cookie: time from navigation to the first request card, and
//    the bytes transferred (encoded, as on the wire) by that first load;
//  - the same on an unthrottled loopback, for comparison;
//  - time for a change made through the API (as the app would) to show on an
//    open board, ROUNDS times.
//   node bench-load.mjs --url https://127.0.0.1:8443 [--rounds 10]
import { chromium, request } from '@playwright/test';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    url: { type: 'string' },
    rounds: { type: 'string', default: '10' },
    user: { type: 'string', default: 'dispatcher.sz' },
    password: { type: 'string', default: 'fieldtrace-demo' },
  },
});
const CARD = '[data-testid^="board-card-"]';
const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: (1.6 * 1e6 / 8) * 0.9, uploadThroughput: (750 * 1e3 / 8) * 0.9 };

const browser = await chromium.launch({ executablePath: process.env.FIELDTRACE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

async function signedInContext() {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 860 } });
  const page = await ctx.newPage();
  await page.goto(`${o.url}/console/login`);
  await page.locator('#login-username').fill(o.user);
  await page.locator('#login-password').fill(o.password);
  await page.getByTestId('login-form').locator('button[type=submit]').click();
  await page.locator(CARD).first().waitFor();
  await page.close();
  return ctx; // keeps the refresh cookie
}

async function coldLoad(throttle) {
  const ctx = await signedInContext();
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (throttle) await cdp.send('Network.emulateNetworkConditions', throttle);
  let bytes = 0, requests = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; requests++; });
  const t0 = Date.now();
  await page.goto(`${o.url}/console/dispatch`, { waitUntil: 'commit' });
  await page.locator(CARD).first().waitFor({ timeout: 60_000 });
  const firstRow = Date.now() - t0;
  await page.waitForLoadState('networkidle').catch(() => {});
  const result = { first_row_ms: firstRow, transferred_kb: +(bytes / 1024).toFixed(1), requests };
  await ctx.close();
  return result;
}

async function changeDelays(rounds) {
  const ctx = await signedInContext();
  const page = await ctx.newPage();
  await page.goto(`${o.url}/console/dispatch`);
  await page.locator(CARD).first().waitFor();
  const api = await request.newContext({ baseURL: o.url, ignoreHTTPSErrors: true });
  const login = await api.post('/v1/auth/login', { data: { username: 'admin', password: o.password } });
  const { access_token } = await login.json();
  const auth = { Authorization: `Bearer ${access_token}` };
  const board = await (await api.get('/v1/board', { headers: auth })).json();
  const rows = board.tickets ?? board.items ?? [];
  const delays = [];
  for (let i = 0; i < rounds && rows.length; i++) {
    const t = rows[i % rows.length];
    const mark = `bench change ${Date.now()}`;
    const t0 = Date.now();
    const r = await api.post('/v1/tickets', {
      headers: { ...auth, 'Idempotency-Key': mark.replace(/ /g, '-') },
      data: { asset_id: t.asset?.id, channel: 'internal', category: t.category, impact: 'unit', urgency: 'low', title: mark },
    });
    if (r.status() !== 201) throw new Error(`create ${r.status()} ${await r.text()}`);
    await page.getByText(mark).first().waitFor({ timeout: 15_000 });
    delays.push(Date.now() - t0);
    await page.waitForTimeout(500 + Math.random() * 1500); // land at different moments of the poll
  }
  await api.dispose();
  await ctx.close();
  delays.sort((a, b) => a - b);
  return { rounds: delays.length, median_ms: delays[Math.floor(delays.length / 2)], max_ms: delays[delays.length - 1], all_ms: delays };
}

const fast3g = [];
for (let i = 0; i < 3; i++) fast3g.push(await coldLoad(FAST_3G));
const loopback = await coldLoad(null);
const change = await changeDelays(Number(o.rounds));
await browser.close();
console.log(JSON.stringify({ fast3g, loopback, change }, null, 1));
