// Policy e2e test: the cultivation pool of the demo data, an organisation's self-check panel
// with a failed HNTE condition and its gap, the same panel in English, and the pool again.
//
// Run with:  GAODI_BIN=/path/to/gaodi node --test tests/e2e/policy.test.mjs

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loginFirstTime, useDemo, waitForPath, withPage } from './harness.mjs';

const TEST_TIMEOUT_MS = 240_000;
const HOOK_TIMEOUT_MS = 180_000;

describe('gaodi policy rules', () => {
  const demo = useDemo({ hookTimeout: HOOK_TIMEOUT_MS });

  test('self-check panel with a gap, in Chinese and English, and the cultivation pool', { timeout: TEST_TIMEOUT_MS }, async () => {
    await withPage(demo.browser, demo.server, 'policy', async (page) => {
      await loginFirstTime(page, demo.server.account('city'));

      // The pool is in the navigation; the demo's figures end in 2021, so the page offers 2022.
      await page.locator('nav#main-nav a[href="/cultivation"]').click();
      await waitForPath(page, '/cultivation');
      await page.locator('#pool-hint a').click();
      await waitForPath(page, '/cultivation', { search: (s) => s.get('year') === '2022' });
      await page.locator('#f-rule').selectOption('hnte');
      await page.locator('#pool-filter button[type="submit"]').click();
      await waitForPath(page, '/cultivation', { search: (s) => s.get('rule') === 'hnte' });
      const rows = page.locator('#pool-table tbody tr');
      assert.ok((await rows.count()) > 0, 'the demo has HNTE near misses in 2022');
      assert.ok((await page.locator('#expiring-table tbody tr').count()) > 0, 'certificates expire in 2022');

      // The nearest firm: its page, at a date that uses the figures held.
      await rows.first().locator('a').first().click();
      await page.waitForURL((u) => /^\/organisations\/\d+$/.test(u.pathname));
      await page.locator('#policy-hint a').click();
      await page.waitForURL((u) => u.searchParams.get('as_of') === '2022-06-30');
      const hnte = page.locator('#policy-hnte');
      assert.ok((await hnte.locator('tr[data-condition]').count()) >= 10, 'HNTE-00 to HNTE-09');
      assert.match(await hnte.locator('h3').innerText(), /高新技术企业认定\s+不符合/);
      const gaps = hnte.locator('ul.policy-gaps li');
      assert.ok((await gaps.count()) >= 1, 'at least one gap');
      assert.match(await gaps.first().innerText(), /要求/);
      // What the register lacks is named.
      assert.match(await hnte.locator('tr[data-condition="HNTE-00"]').innerText(), /resident_enterprise/);

      // English, same date.
      await page.locator('#lang-en').click();
      await page.waitForURL((u) => u.searchParams.get('as_of') === '2022-06-30');
      assert.match(await page.locator('h2#policy').innerText(), /Policy self-check/);
      assert.match(await hnte.locator('h3').innerText(), /High and new technology enterprise/);
      assert.match(await hnte.locator('tr[data-condition="HNTE-01"]').innerText(), /met/);
      assert.match(await hnte.locator('ul.policy-gaps li').first().innerText(), /required/);

      // The pool, in English.
      await page.locator('nav#main-nav a[href="/cultivation"]').click();
      await waitForPath(page, '/cultivation');
      assert.match(await page.locator('h1').innerText(), /Cultivation pool/);
      assert.ok((await page.locator('#pool-summary li').count()) === 2, 'one summary per rule');
    });
  });
});
