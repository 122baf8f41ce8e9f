// What every spec shares: the server's address, signing in as a demo
// account, a direct API client (to change data "from the app" while a page
// watches), and the checks every page must pass: no missing translation key,
// no Content-Security-Policy violation, no uncaught error.
import { ROOT } from './server';
import { test as base, expect, type Page, type APIRequestContext, request } from '@playwright/test';

export const DEMO_PASSWORD = 'fieldtrace-demo';
export type DemoUser = 'admin' | 'supervisor.gd' | 'dispatcher.sz' | 'tech.sz' | 'tech.nj' | 'sales.gd';

export function baseUrl(): string {
  const u = process.env.FIELDTRACE_URL;
  if (!u) throw new Error('FIELDTRACE_URL is not set: run through playwright.config.ts');
  return u;
}

export function consoleUrl(path = '/'): string {
  return `${baseUrl()}/console${path}`;
}

/* Signs in through the console's own form. */
export async function signIn(page: Page, user: DemoUser, path = '/'): Promise<void> {
  await page.goto(consoleUrl(path));
  await page.getByTestId('login-form').waitFor();
  await page.locator('#login-username').fill(user);
  await page.locator('#login-password').fill(DEMO_PASSWORD);
  await page.locator('#login-form button[type=submit], [data-testid=login-form] button[type=submit]').click();
  await expect(page.getByTestId('who')).toContainText(user);
}

/* A bearer-token API client as the mobile app is: for changes made "elsewhere". */
export async function apiAs(user: DemoUser): Promise<APIRequestContext> {
  const ctx = await request.newContext({ baseURL: baseUrl(), ignoreHTTPSErrors: true });
  const res = await ctx.post('/v1/auth/login', { data: { username: user, password: DEMO_PASSWORD } });
  expect(res.status(), await res.text()).toBe(200);
  const { access_token } = (await res.json()) as { access_token: string };
  await ctx.dispose();
  return request.newContext({
    baseURL: baseUrl(),
    ignoreHTTPSErrors: true,
    extraHTTPHeaders: { Authorization: `Bearer ${access_token}` },
  });
}

interface Watch {
  cspViolations: string[];
  pageErrors: string[];
}

/* Every page test fails on a CSP violation, an uncaught error or a
 * translation key that was missing in the current language. */
export const test = base.extend<{ watch: Watch }>({
  watch: [
    async ({ page }, use) => {
      const w: Watch = { cspViolations: [], pageErrors: [] };
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to (apply|execute|load|evaluate)/i.test(m.text())) w.cspViolations.push(m.text());
      });
      page.on('pageerror', (e) => w.pageErrors.push(String(e)));
      await use(w);
      const missing = await page.evaluate(() => window.__ftMissingKeys ?? []).catch(() => [] as string[]);
      expect(missing, 'translation keys missing').toEqual([]);
      expect(w.cspViolations, 'Content-Security-Policy violations').toEqual([]);
      expect(w.pageErrors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/* The README's screenshots, <name>-<desktop|phone>-<zh|en>.png: the
 * viewport of the page as it is now, in the language it shows. Written to
 * build/e2e-screenshots/ on every run, and to docs/console/ by
 * `make console-screenshots` (FIELDTRACE_SCREENSHOTS), so a test run leaves
 * the committed pictures alone. */
export async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  const lang = (await page.evaluate(() => document.documentElement.lang)).startsWith('zh') ? 'zh' : 'en';
  const size = (page.viewportSize()?.width ?? 1366) < 800 ? 'phone' : 'desktop';
  const dir = process.env.FIELDTRACE_SCREENSHOTS ?? `${ROOT}/build/e2e-screenshots`;
  await page.screenshot({ path: `${dir}/${name}-${size}-${lang}.png`, fullPage, scale: 'css' });
}

/* Switches the language from the top bar (remembered by the browser). */
export async function useLanguage(page: Page, lang: 'zh-CN' | 'en'): Promise<void> {
  await page.getByTestId('language').first().selectOption(lang);
}
