// Projects e2e test: an enterprise applies to the demo's open call and submits, the district
// endorses, city staff screen, draw the panel and run the assignment, the demo expert reviews
// (a review without the no-conflict declaration is refused first), and staff rank and approve
// the application, sign the agreement and see the first tranche released; the project page
// is then checked in English.
//
// Run with:  GAODI_BIN=/path/to/gaodi node --test tests/e2e/projects.test.mjs

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { login, loginFirstTime, useDemo, waitForPath, withPage } from './harness.mjs';

const TEST_TIMEOUT_MS = 300_000;
const HOOK_TIMEOUT_MS = 180_000;
const TITLE = '钠离子电池正极材料中试（e2e）';

/** Clicks a button that posts a form and waits for the page that answers (often at the same URL). */
async function submit(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

/** Logs out through the top bar. */
async function logout(page) {
  await page.locator('#logout').click();
  await waitForPath(page, '/login');
}

describe('gaodi projects', () => {
  const demo = useDemo({ hookTimeout: HOOK_TIMEOUT_MS });

  test('apply, endorse, screen, draw, assign, review, approve', { timeout: TEST_TIMEOUT_MS }, async () => {
    await withPage(demo.browser, demo.server, 'projects', async (page) => {
      // The enterprise applies to the open call.
      await loginFirstTime(page, demo.server.account('enterprise'));
      await page.locator('nav#main-nav a[href="/calls"]').first().click();
      await waitForPath(page, '/calls');
      await page.locator('#calls-table tr[data-call="ZZ-2022-ZD"] a').click();
      await page.waitForURL((u) => /^\/calls\/\d+$/.test(u.pathname));
      const callPath = new URL(page.url()).pathname;
      await page.locator('#apply-link').click();
      await page.waitForURL((u) => u.pathname.endsWith('/apply'));
      await page.locator('#f-title').fill(TITLE);
      await page.locator('#f-lead').fill('张经理');
      await page.locator('#f-requested').fill('80');
      await page.locator('#f-summary').fill('建设钠离子电池正极材料中试线，形成年产百吨能力。');
      await page.locator('#f-field').fill('先进储能');
      await page.locator('#f-start_on').fill('2022-07-01');
      await page.locator('#f-months').fill('24');
      // A bad amount is named and nothing is saved.
      await page.locator('#f-own_funds').fill('很多');
      await submit(page, page.locator('#application-save'));
      assert.match(await page.locator('#form-errors').innerText(), /自筹经费.*应为金额/);
      await page.locator('#f-own_funds').fill('150');
      await page.locator('#application-save').click();
      await page.waitForURL((u) => /^\/applications\/\d+$/.test(u.pathname));
      const appPath = new URL(page.url()).pathname;
      assert.match(await page.locator('#application-facts').innerText(), /草稿/);
      // The proposal as an attachment: a Word file is refused with the reason, a PDF is kept.
      const upload = page.locator('form.attachment-form');
      await page.locator('#file-proposal').setInputFiles({ name: '申报书.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('PK') });
      await page.locator('#upload-proposal').click();
      const refused = upload.locator('.error:not([hidden])');
      await refused.waitFor({ state: 'visible' });
      assert.match(await refused.innerText(), /申报书\.docx.*类型不允许/);
      await page.locator('#file-proposal').setInputFiles({ name: '申报书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 e2e') });
      await Promise.all([page.waitForEvent('load'), page.locator('#upload-proposal').click()]);
      assert.match(await page.locator('#attachments').innerText(), /申报书\.pdf/);
      await submit(page, page.locator('#do-submit'));
      await waitForPath(page, appPath);
      assert.match(await page.locator('#application-facts').innerText(), /已提交/);
      await page.goto('/calls');
      assert.match(await page.locator('#my-applications-table').innerText(), /钠离子电池正极材料中试（e2e）\s+已提交/);
      await logout(page);

      // The district bureau endorses it.
      await loginFirstTime(page, demo.server.account('district'));
      await page.goto(appPath);
      await submit(page, page.locator('#do-endorse'));
      await waitForPath(page, appPath);
      assert.match(await page.locator('#application-facts').innerText(), /已推荐/);
      await logout(page);

      // City staff screen, draw the panel and assign.
      const cityPassword = await loginFirstTime(page, demo.server.account('city'));
      await page.goto(callPath);
      await submit(page, page.locator('#call-screen'));
      await waitForPath(page, callPath);
      const mine = page.locator('#applications-table tr', { hasText: TITLE });
      assert.equal(await mine.getAttribute('data-status'), 'eligible');
      await page.locator('#seed-source').fill('2022-05-10 福利彩票3D 开奖号码 716');
      await submit(page, page.locator('#draw-submit'));
      await waitForPath(page, callPath);
      assert.match(await page.locator('#draw-record').innerText(), /2022-05-10/);
      assert.equal(await page.locator('#panel-table tbody tr').count(), 5);
      await submit(page, page.locator('#call-assign'));
      await waitForPath(page, callPath);
      assert.ok((await page.locator('#assignment-table tbody tr', { hasText: TITLE }).count()) === 5, 'five reviewers');
      assert.equal(await mine.getAttribute('data-status'), 'in_review');
      await logout(page);

      // The demo expert reviews it: the declaration is required, then the review is in.
      await loginFirstTime(page, demo.server.account('expert'));
      await page.locator('nav#main-nav a[href="/reviews"]').first().click();
      await waitForPath(page, '/reviews');
      await page.locator('#my-reviews a', { hasText: TITLE }).click();
      await page.waitForURL((u) => /^\/reviews\/\d+$/.test(u.pathname));
      const reviewPath = new URL(page.url()).pathname;
      for (const [i, s] of ['8', '7', '8', '9'].entries()) await page.locator(`#score-${i}`).fill(s);
      await page.locator('#review-comment').fill('技术路线可行，产业化前景好。');
      await submit(page, page.locator('#review-submit'));
      assert.match(await page.locator('#form-errors').innerText(), /声明无利益冲突/);
      for (const [i, s] of ['8', '7', '8', '9'].entries()) await page.locator(`#score-${i}`).fill(s);
      await page.locator('#no-conflict').check();
      await submit(page, page.locator('#review-submit'));
      await waitForPath(page, reviewPath);
      assert.match(await page.locator('#my-score').innerText(), /80\.0/);
      await logout(page);

      // Staff rank and approve; the project starts with its agreement and first tranche.
      await login(page, 'city', cityPassword);
      await page.goto(callPath);
      await submit(page, page.locator('#call-rank'));
      await waitForPath(page, callPath);
      assert.match(await mine.innerText(), /80\.0/);
      await page.goto(`${appPath}#decide`);
      await page.locator('#d-outcome').selectOption('approve');
      await page.locator('#d-granted').fill('60');
      await page.locator('#d-months').fill('24');
      await page.locator('#d-minutes').fill('2022年第2次主任办公会：同意立项，资助60万元。');
      await page.locator('#decide-submit').click();
      await page.waitForURL((u) => /^\/projects\/\d+$/.test(u.pathname));
      assert.match(await page.locator('#project-title').innerText(), /钠离子/);
      await page.locator('#agreement-no').fill('ZZKJ-2022-E2E');
      await submit(page, page.locator('#agreement-submit'));
      await page.waitForURL((u) => /^\/projects\/\d+$/.test(u.pathname));
      assert.equal(await page.locator('#milestone-table tbody tr').first().getAttribute('data-state'), 'accepted');
      assert.match(await page.locator('#project-facts').innerText(), /实施中/);
      assert.match(await page.locator('#project-facts').innerText(), /24\.00万元/);

      // The same page in English.
      await page.locator('#lang-en').click();
      await page.waitForURL((u) => /^\/projects\/\d+$/.test(u.pathname));
      assert.match(await page.locator('main').innerText(), /Milestones and tranches/);
      assert.match(await page.locator('#project-facts').innerText(), /in progress/);
    });
  });
});
