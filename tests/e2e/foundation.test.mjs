// Foundation e2e test: login with a one-time password, forced password change,
// language switch, region tree by year, logout and login again.
//
// Run with:  GAODI_BIN=/path/to/gaodi node --test tests/e2e/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { newPassword, useDemo, waitForPath, withPage } from './harness.mjs';

const TEST_TIMEOUT_MS = 240_000;
const HOOK_TIMEOUT_MS = 180_000;

async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

/** Waits until <html lang="..."> has the given value (survives navigations). */
async function waitForLang(page, lang) {
  await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached' });
  assert.equal(await htmlLang(page), lang);
}

/** Waits until nav#main-nav is visible and contains every given text. */
async function expectNavText(page, ...texts) {
  const nav = page.locator('nav#main-nav');
  await nav.waitFor({ state: 'visible' });
  for (const text of texts) {
    await page.locator('nav#main-nav', { hasText: text }).waitFor({ state: 'visible' });
  }
  const shown = await nav.innerText();
  for (const text of texts) assert.ok(shown.includes(text), `nav#main-nav should contain "${text}", has: ${shown}`);
}

async function login(page, username, password) {
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#login-submit').click();
}

describe('gaodi foundation', () => {
  const demo = useDemo({ hookTimeout: HOOK_TIMEOUT_MS });

  test(
    'one-time password, password change, language, region tree by year, logout',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const admin = demo.server.account('admin');
      const newPw = newPassword();

      await withPage(demo.browser, demo.server, 'foundation', async (page) => {
        // 1. "/" redirects to the Chinese login page.
        await page.goto('/');
        await waitForPath(page, '/login');
        assert.equal(await htmlLang(page), 'zh-CN');
        await login(page, admin.username, admin.password);

        // 2. The one-time password forces a password change.
        await waitForPath(page, '/account/password');
        await page.locator('#current-password').fill(admin.password);
        await page.locator('#new-password').fill(newPw);
        await page.locator('#confirm-password').fill(newPw);
        await page.locator('#password-submit').click();
        await waitForPath(page, '/');
        await expectNavText(page, '驾驶舱', '系统');

        // 3. Language switch: English, back to Chinese, English again.
        await page.locator('#lang-en').click();
        await waitForLang(page, 'en');
        await expectNavText(page, 'Cockpit');
        await page.locator('#lang-zh').click();
        await waitForLang(page, 'zh-CN');
        await expectNavText(page, '驾驶舱');
        await page.locator('#lang-en').click();
        await waitForLang(page, 'en');
        await expectNavText(page, 'Cockpit');

        // 4. Region tree: current year has Lukou District (430212), not Zhuzhou County (430221).
        await page.locator('nav#main-nav a[href^="/regions"]').first().click();
        await waitForPath(page, '/regions');
        await page.locator('#region-tree').waitFor({ state: 'attached' });
        await page.locator('[data-code="430200"]').first().waitFor({ state: 'attached' });
        await page.locator('[data-code="430212"]').first().waitFor({ state: 'attached' });
        assert.equal(await page.locator('[data-code="430221"]').count(), 0, '430221 should not exist in the current year');

        //    Year 2017: Zhuzhou County (430221) exists, Lukou District (430212) does not.
        await page.locator('select#year-picker').selectOption('2017');
        await waitForPath(page, '/regions', { search: (q) => q.get('year') === '2017' });
        await page.locator('#region-tree').waitFor({ state: 'attached' });
        await page.locator('[data-code="430200"]').first().waitFor({ state: 'attached' });
        await page.locator('[data-code="430221"]').first().waitFor({ state: 'attached' });
        assert.equal(await page.locator('[data-code="430212"]').count(), 0, '430212 should not exist in 2017');

        // 5. Logout, then login with the new password.
        await page.locator('#logout').click();
        await waitForPath(page, '/login');
        await login(page, admin.username, newPw);
        await waitForPath(page, '/');
        await page.locator('nav#main-nav').waitFor({ state: 'visible' });
      });
    },
  );

  test('a wrong password shows an error and stays on /login', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Another account than admin, so that no lockout can touch the test above.
    const city = demo.server.account('city');
    await withPage(demo.browser, demo.server, 'wrong-password', async (page) => {
      await page.goto('/login');
      await waitForPath(page, '/login');
      const posted = page.waitForResponse((res) => res.request().method() === 'POST', { timeout: 60_000 });
      await login(page, city.username, `${city.password}-wrong`);
      await posted;
      const alert = page.locator('.error, [role="alert"]').first();
      await alert.waitFor({ state: 'visible' });
      const text = (await alert.innerText()).trim();
      assert.ok(text.length > 0, 'the error element should have text');
      assert.equal(new URL(page.url()).pathname, '/login');
    });
  });
});
