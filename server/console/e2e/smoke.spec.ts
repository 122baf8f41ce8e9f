import { test, expect, signIn, consoleUrl } from './fixtures';

test('each role lands on its home page after signing in', async ({ page }) => {
  await signIn(page, 'dispatcher.sz');
  await expect(page).toHaveURL(/\/console\/dispatch$/);
});

test('a deep link opened signed out comes back after sign-in @phone', async ({ page }) => {
  await page.goto(consoleUrl('/warranty'));
  await expect(page).toHaveURL(/\/console\/login\?next=(%2F|\/)warranty$/);
  await page.locator('#login-username').fill('sales.gd');
  await page.locator('#login-password').fill('fieldtrace-demo');
  await page.getByTestId('login-form').locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/console\/warranty$/);
});
