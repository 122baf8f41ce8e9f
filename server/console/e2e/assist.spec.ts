// Remote expert assistance (issue 19 part 1) in two headless Chromiums'
// worth of contexts with a fake camera and microphone: signalling through a
// real fieldtrace (its own, configured with TURN and relay-only calls) and
// media through a real coturn started here (e2e/turn.ts), so a frame that
// decodes went through the relay. The call connects, the remote video
// decodes frames (getStats, shown by the page's status line), a third user
// cannot join, a used or expired link is refused, and the technician's page
// reloaded (a dropped connection) reconnects and decodes again. The time
// from accept to the first remote frame is logged.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type APIRequestContext } from '@playwright/test';
import { test, expect, apiAs, shoot, useLanguage, DEMO_PASSWORD } from './fixtures';
import { startServer, type Server } from './server';
import { startTurn, type Turn } from './turn';


const MEDIA_ARGS = ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

let turn: Turn;
let server: Server | undefined;
let sharedUrl: string | undefined;
let browser: Browser;
let dataDir: string | undefined;

test.beforeAll(async () => {
  turn = await startTurn();
  browser = await chromium.launch({ executablePath: process.env.FIELDTRACE_CHROMIUM ?? '/usr/bin/chromium', args: MEDIA_ARGS });
  sharedUrl = process.env.FIELDTRACE_URL;
  // Snapshots are attachments: kept in a directory of the test's own.
  dataDir = mkdtempSync(join(tmpdir(), 'fieldtrace-assist-data-'));
  server = await startServer([
    '--turn-uris', turn.uris, '--turn-secret-file', turn.secretFile, '--turn-relay-only=true',
    '--data-dir', dataDir,
  ]);
  process.env.FIELDTRACE_URL = server.url; // signIn and apiAs follow it
});

test.afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (server) process.env.FIELDTRACE_URL = sharedUrl;
  await turn?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/* The checks the fixture makes on its own page, for pages of the browser
 * this spec launches (fake media devices). */
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

async function context(kind: 'desktop' | 'phone', lang = 'en-US'): Promise<BrowserContext> {
  const ctx = await browser.newContext(
    kind === 'phone'
      ? { ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1, locale: lang }
      : { ignoreHTTPSErrors: true, viewport: { width: 1366, height: 860 }, locale: lang },
  );
  await ctx.grantPermissions(['camera', 'microphone']);
  return ctx;
}

test('coturn relays media between two Chromium peer connections (relay only)', async ({ page }) => {
  // A secure context on the spec's server; the peer connections are the
  // page's own, with the credentials fieldtrace would issue.
  await page.goto(`${process.env.FIELDTRACE_URL}/console/login`);
  const ctx = await context('desktop');
  const p = await ctx.newPage();
  await p.goto(`${process.env.FIELDTRACE_URL}/console/login`);
  const ice = [{ urls: [`turn:127.0.0.1:${turn.port}?transport=udp`], ...turn.credentials('e2e') }];
  const got = await p.evaluate(async (iceServers) => {
    const cfg: RTCConfiguration = { iceServers, iceTransportPolicy: 'relay' };
    const a = new RTCPeerConnection(cfg);
    const b = new RTCPeerConnection(cfg);
    a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
    b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    stream.getTracks().forEach((t) => a.addTrack(t, stream));
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    let frames = 0;
    let route = '';
    // Until frames decode and the transport names its selected pair.
    for (let i = 0; i < 100 && (frames === 0 || !route); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const stats = await b.getStats();
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') frames = r.framesDecoded ?? 0;
        if (r.type === 'transport' && r.selectedCandidatePairId) {
          const pair = stats.get(r.selectedCandidatePairId);
          route = pair ? (stats.get(pair.localCandidateId)?.candidateType ?? '') : '';
        }
      });
    }
    a.close();
    b.close();
    stream.getTracks().forEach((t) => t.stop());
    return { frames, route };
  }, ice);
  expect(got.frames, turn.log()).toBeGreaterThan(0);
  expect(got.route).toBe('relay');
  await ctx.close();
});

async function json<T>(res: { ok(): boolean; status(): number; text(): Promise<string>; json(): Promise<unknown> }): Promise<T> {
  expect(res.ok(), `${res.status()} ${await res.text()}`).toBe(true);
  return (await res.json()) as T;
}

interface Setup {
  ticketId: number;
  techId: number;
  expert: { id: number; username: string };
  tech: APIRequestContext;
}

/* A fresh request on the demo's unit 1, assigned to tech.sz, and an expert
 * on call for its product line (the demo's, or tech.nj made one). */
async function setup(title: string): Promise<Setup> {
  const admin = await apiAs('admin');
  const dispatcher = await apiAs('dispatcher.sz');
  const tech = await apiAs('tech.sz');
  const techId = (await json<{ items: { id: number; username: string }[] }>(await dispatcher.get('/v1/technicians'))).items.find(
    (x) => x.username === 'tech.sz',
  )!.id;
  const tk = await json<{ id: number }>(await dispatcher.post('/v1/tickets', { data: { channel: 'app', category: 'repair', title, asset_id: 1 } }));
  await json(await dispatcher.post(`/v1/tickets/${tk.id}/transitions`, { data: { action: 'assign', assignee_id: techId } }));
  await json(await tech.post(`/v1/tickets/${tk.id}/transitions`, { data: { action: 'accept' } }));
  const unit = await json<{ model: { product_line: string } }>(await admin.get('/v1/assets/1'));
  const expert = await ensureExpert(admin, unit.model.product_line);
  await admin.dispose();
  await dispatcher.dispose();
  return { ticketId: tk.id, techId, expert, tech };
}

/* Someone on call for the line: the demo's expert when there is one (they
 * are offered the request), else tech.nj made the line's lead. */
async function ensureExpert(admin: APIRequestContext, line: string): Promise<Setup['expert']> {
  const onCall = await json<{ candidates: { user_id: number }[] }>(await admin.get(`/v1/product-lines/${line}/on-call`));
  if (onCall.candidates.length) {
    const e = await json<{ user_id: number; username: string }>(await admin.get(`/v1/experts/${onCall.candidates[0]!.user_id}`));
    return { id: e.user_id, username: e.username };
  }
  const users = await json<{ items: { id: number; username: string }[] }>(await admin.get('/v1/users?limit=200'));
  const nj = users.items.find((u) => u.username === 'tech.nj')!;
  await json(await admin.put(`/v1/experts/${nj.id}`, { data: { languages: ['zh', 'en'], product_lines: [{ code: line, lead: true }], active: true } }));
  return { id: nj.id, username: 'tech.nj' };
}

async function signInAs(page: Page, username: string, path: string): Promise<void> {
  await page.goto(`${process.env.FIELDTRACE_URL}/console${path}`);
  await page.getByTestId('login-form').waitFor();
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(DEMO_PASSWORD);
  await page.locator('[data-testid=login-form] button[type=submit]').click();
  await expect(page.getByTestId('who')).toContainText(username);
}

async function frames(page: Page): Promise<number> {
  return Number(await page.getByTestId('assist-status').getAttribute('data-frames'));
}

/* The expert freezes the picture and draws a stroke on it; the phone shows
 * that the picture is being marked up, with the stroke over its camera. */
async function markUp(ep: Page, pp: Page): Promise<void> {
  await ep.getByTestId('assist-freeze').click();
  await expect(pp.getByTestId('assist-frozen')).toBeVisible();
  const box = (await ep.getByTestId('assist-remote').boundingBox())!;
  await ep.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.35);
  await ep.mouse.down();
  await ep.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 6 });
  await ep.mouse.move(box.x + box.width * 0.65, box.y + box.height * 0.35, { steps: 6 });
  await ep.mouse.up();
  // The stroke reaches the phone: its mark layer is no longer blank.
  await expect.poll(() => pp.getByTestId('assist-own').locator('canvas.marks').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
    return false;
  })).toBe(true);
}

test.describe('a call through the server', () => {
  test('ask, accept, connect through coturn, refuse strangers and old links, reconnect after a reload', async () => {
    test.setTimeout(180_000);
    const s = await setup('e2e assist: relay panel alarm E-07');

    // The technician asks from the request's page.
    const techDesk = await context('desktop');
    const tp = await techDesk.newPage();
    const checkTp = watchPage(tp);
    await signInAs(tp, 'tech.sz', `/tickets/${s.ticketId}`);
    await tp.getByTestId('ticket-assist-ask').click();
    await tp.getByTestId('ticket-assist-problem').fill('Alarm E-07 after the breaker trips; <b>not</b> HTML');
    await tp.getByTestId('ticket-assist-send').click();
    await expect(tp.getByTestId('ticket-assist-state')).toBeVisible();
    const open = await json<{ items: { id: number; ticket: { id: number } }[] }>(await s.tech.get('/v1/assist?mine=true'));
    const sid = open.items.find((x) => x.ticket.id === s.ticketId)!.id;

    // The expert sees it offered, accepts; the page joins.
    const expertCtx = await context('desktop');
    const ep = await expertCtx.newPage();
    const checkEp = watchPage(ep);
    await signInAs(ep, s.expert.username, '/assist');
    await expect(ep.getByTestId(`assist-item-${sid}`)).toContainText('<b>not</b> HTML');
    await shoot(ep, 'assist-list');
    await ep.getByTestId(`assist-accept-${sid}`).click();
    await expect(ep).toHaveURL(new RegExp(`/console/assist/${sid}$`));
    const acceptedAt = Date.now();
    await expect(ep.getByTestId('assist-call')).toHaveAttribute('data-joined', 'yes');

    // The technician's phone opens a single-use join link.
    const link = await json<{ token: string; url: string }>(await s.tech.post(`/v1/assist/${sid}/join-links`, { data: {} }));
    const phone = await context('phone');
    const pp = await phone.newPage();
    const checkPp = watchPage(pp);
    await pp.goto(`${process.env.FIELDTRACE_URL}${link.url}`);
    await expect(pp.getByTestId('assist-join-page')).toHaveAttribute('data-phase', 'in-call');

    // Both sides decode the other's video, through the relay.
    await expect.poll(() => frames(ep), { timeout: 30_000 }).toBeGreaterThan(0);
    const firstFrameMs = Date.now() - acceptedAt;
    await expect.poll(() => frames(pp), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(ep.getByTestId('assist-status')).toHaveAttribute('data-route', 'relay');
    const after = await json<{ state: string; accepted_at: string; connected_at: string }>(await s.tech.get(`/v1/assist/${sid}`));
    expect(after.state).toBe('live');
    const phoneMs = await pp.getByTestId('assist-status').getAttribute('data-first-frame-ms');
    console.log(`assist: accept → first remote frame on the expert's page ${firstFrameMs} ms (the test's own steps included: join link, phone page load); `
      + `phone page joined → first remote frame ${phoneMs} ms; server connected_at − accepted_at = ${Date.parse(after.connected_at) - Date.parse(after.accepted_at)} ms (whole seconds)`);

    // Chat and the expert's marks reach the phone over the data channel.
    await ep.getByTestId('chat-input').fill('请打开柜门 Open the cabinet door');
    await ep.getByTestId('chat-send').click();
    await expect(pp.getByTestId('chat-line').last()).toContainText('Open the cabinet door');
    await markUp(ep, pp);
    await ep.getByTestId('assist-snapshot').click();
    await expect(ep.getByTestId('assist-snapshot-item')).toHaveCount(1);
    await shoot(ep, 'assist-expert');
    await shoot(pp, 'assist-technician');
    await ep.getByTestId('assist-freeze').click();
    await expect(pp.getByTestId('assist-frozen')).toBeHidden();

    // Strangers: another technician and the dispatcher cannot join.
    for (const who of ['tech.nj', 'dispatcher.sz'] as const) {
      if (who === s.expert.username) continue;
      const other = await apiAs(who);
      expect((await other.post(`/v1/assist/${sid}/join`)).status()).toBe(403);
      await other.dispose();
    }
    // The link worked once; a second use is refused, and so is an expired one.
    const anon = await (await import('@playwright/test')).request.newContext({ baseURL: process.env.FIELDTRACE_URL, ignoreHTTPSErrors: true });
    expect((await anon.post('/v1/assist/join', { data: { token: link.token } })).status()).toBe(410);
    const late = await json<{ token: string }>(await s.tech.post(`/v1/assist/${sid}/join-links`, { data: {} }));
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', server!.db,
      "UPDATE assist_join_links SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) - 60 WHERE used_at IS NULL"]);
    expect((await anon.post('/v1/assist/join', { data: { token: late.token } })).status()).toBe(410);
    expect((await anon.post('/v1/assist/join', { data: { token: 'x'.repeat(43) } })).status()).toBe(404);
    await anon.dispose();

    // A dropped connection: the phone page reloads, rejoins with its key,
    // and both sides decode again.
    await pp.reload();
    await expect(pp.getByTestId('assist-join-page')).toHaveAttribute('data-phase', 'in-call');
    await expect.poll(() => frames(pp), { timeout: 30_000 }).toBeGreaterThan(0);
    const before = await frames(ep);
    await expect.poll(async () => (await frames(ep)) > 0 && (await ep.getByTestId('assist-status').getAttribute('data-connected')) === 'yes', { timeout: 30_000 }).toBe(true);
    await expect.poll(() => frames(ep), { timeout: 30_000 }).not.toBe(before);

    // A supervisor of the region joins to watch (a third peer connection
    // each way): the technician's camera decodes on their page too, and
    // they get no drawing tools.
    const supCtx = await context('desktop');
    const sp = await supCtx.newPage();
    const checkSp = watchPage(sp);
    await signInAs(sp, 'supervisor.gd', `/assist/${sid}`);
    await sp.getByTestId('assist-join').click();
    await expect(sp.getByTestId('assist-call')).toHaveAttribute('data-joined', 'yes');
    await expect.poll(() => frames(sp), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(sp.getByTestId('assist-freeze')).toHaveCount(0);
    await sp.getByTestId('assist-leave').click();
    await checkSp();
    await supCtx.close();

    // The pictures in Chinese too, marks and all.
    await useLanguage(ep, 'zh-CN');
    await pp.getByTestId('language').first().selectOption('zh-CN');
    await markUp(ep, pp);
    await shoot(ep, 'assist-expert');
    await shoot(pp, 'assist-technician');
    await ep.getByTestId('assist-freeze').click();
    await pp.getByTestId('language').first().selectOption('en');
    await useLanguage(ep, 'en');

    // The expert ends it with an outcome; the phone sees it end.
    await ep.getByTestId('assist-end').click();
    await ep.getByTestId('outcome-fixed').check();
    await ep.getByTestId('assist-notes').fill('Reset K3; alarm cleared.');
    await ep.getByTestId('assist-end-submit').click();
    await expect(ep.getByTestId('assist-state')).toHaveAttribute('data-state', 'ended').catch(() => undefined);
    await expect(ep.getByTestId('assist-summary')).toHaveAttribute('data-state', 'ended');
    await expect(pp.getByTestId('assist-join-page')).toHaveAttribute('data-phase', 'ended', { timeout: 15_000 });

    await checkTp();
    await checkEp();
    await checkPp();
    await Promise.all([techDesk.close(), expertCtx.close(), phone.close()]);
    await s.tech.dispose();
  });
});

/* A bearer-token API client for any demo account (the experts are not in
 * the fixtures' list). */
async function apiLogin(username: string): Promise<APIRequestContext> {
  const { request } = await import('@playwright/test');
  const ctx = await request.newContext({ baseURL: process.env.FIELDTRACE_URL, ignoreHTTPSErrors: true });
  const res = await ctx.post('/v1/auth/login', { data: { username, password: DEMO_PASSWORD } });
  expect(res.status(), await res.text()).toBe(200);
  const { access_token } = (await res.json()) as { access_token: string };
  await ctx.dispose();
  return request.newContext({ baseURL: process.env.FIELDTRACE_URL, ignoreHTTPSErrors: true, extraHTTPHeaders: { Authorization: `Bearer ${access_token}` } });
}

test.describe('on a phone, and the admin', () => {
  test('a technician asks from the request on a phone and joins through a fresh link @phone', async () => {
    const s = await setup('e2e assist from a phone');
    const ctx = await context('phone');
    const page = await ctx.newPage();
    const check = watchPage(page);
    await signInAs(page, 'tech.sz', `/tickets/${s.ticketId}`);
    await page.getByTestId('ticket-assist-ask').click();
    await page.getByTestId('ticket-assist-send').click();
    await expect(page.getByTestId('ticket-assist-state')).toHaveText(/Waiting for an expert/);
    const sid = (await json<{ items: { id: number; state: string }[] }>(await s.tech.get(`/v1/tickets/${s.ticketId}/assists`))).items[0]!.id;
    const expert = await apiLogin(s.expert.username);
    await json(await expert.post(`/v1/assist/${sid}/accept`));
    // The panel follows the session and offers Join; on a phone that is the
    // phone page through a new single-use link.
    await page.getByTestId('ticket-assist-join').click({ timeout: 15_000 });
    await expect(page).toHaveURL(new RegExp(`/console/assist/${sid}/join\\?token=`));
    await expect(page.getByTestId('assist-join-page')).toHaveAttribute('data-phase', 'in-call');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await json(await expert.post(`/v1/assist/${sid}/end`, { data: { outcome: 'visit_needed', notes: 'Needs a new CT.' } }));
    await expect(page.getByTestId('assist-join-page')).toHaveAttribute('data-phase', 'ended', { timeout: 15_000 });
    await check();
    await ctx.close();
    await expert.dispose();
    await s.tech.dispose();
  });

  test('the admin sees the experts and puts a shift on a line\'s rota', async () => {
    const admin = await apiAs('admin');
    await ensureExpert(admin, 'switchgear');
    const experts = (await json<{ items: { user_id: number; username: string; product_lines: { code: string }[] }[] }>(await admin.get('/v1/experts'))).items;
    expect(experts.length).toBeGreaterThan(0);
    const ctx = await context('desktop');
    const page = await ctx.newPage();
    const check = watchPage(page);
    await signInAs(page, 'admin', '/admin/experts');
    for (const x of experts) await expect(page.getByTestId(`expert-row-${x.username}`)).toBeVisible();
    await shoot(page, 'admin-experts');
    const line = experts[0]!.product_lines[0]!.code;
    await page.getByTestId('rota-line').selectOption(line);
    const before = (await json<{ shifts: unknown[] }>(await admin.get(`/v1/product-lines/${line}/rota`))).shifts.length;
    await expect(page.locator('[data-testid^=rota-shift-]')).toHaveCount(before);
    await page.getByTestId('rota-add').click();
    await page.getByTestId('rota-save').click();
    await expect.poll(async () => (await json<{ shifts: unknown[] }>(await admin.get(`/v1/product-lines/${line}/rota`))).shifts.length).toBe(before + 1);
    await check();
    await ctx.close();
    await admin.dispose();
  });
});

test.describe('the phone page at 390 px', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('a link without its token says so and fits the screen @phone', async ({ page }) => {
    await page.goto(`${process.env.FIELDTRACE_URL}/console/assist/1/join`);
    await expect(page.getByTestId('assist-join-error')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
