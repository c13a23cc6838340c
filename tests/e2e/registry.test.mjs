// Registry e2e test: create an organisation with a wrong and then a right 统一社会信用代码;
// import a file with one bad row and see nothing written; fix it and import again.
//
// Run with:  GAODI_BIN=/path/to/gaodi node --test tests/e2e/

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { loginFirstTime, useDemo, waitForPath, withPage } from './harness.mjs';

const TEST_TIMEOUT_MS = 240_000;
const HOOK_TIMEOUT_MS = 180_000;

const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A valid 统一社会信用代码 for a 17-character body (GB 32100 check character). */
function uscc(body) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(body[i]) * WEIGHTS[i];
  return body + CHARSET[(31 - (sum % 31)) % 31];
}

/** The same code with a wrong check character. */
function wrongCheck(code) {
  const last = CHARSET.indexOf(code[17]);
  return code.slice(0, 17) + CHARSET[(last + 1) % 31];
}

async function countOf(page, query) {
  await page.goto(`/organisations?q=${encodeURIComponent(query)}`);
  return (await page.locator('#org-count').innerText()).trim();
}

describe('gaodi registries', () => {
  const demo = useDemo({ hookTimeout: HOOK_TIMEOUT_MS });
  let dir;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gaodi-e2e-'));
  });

  test('create with a wrong then a right code; an import with a bad row writes nothing', { timeout: TEST_TIMEOUT_MS }, async () => {
    await withPage(demo.browser, demo.server, 'registry', async (page) => {
      await loginFirstTime(page, demo.server.account('city'));

      // The register of the demo data is there.
      await page.locator('nav#main-nav a[href="/organisations"]').click();
      await waitForPath(page, '/organisations');
      assert.match(await page.locator('#org-count').innerText(), /共 [\d,]+ 家/);

      // 1. A wrong check character is refused, naming the expected one; the right code is accepted.
      const code = uscc('91430202MA4TE2E01');
      await page.locator('#org-new').click();
      await waitForPath(page, '/organisations/new');
      await page.locator('#uscc').fill(wrongCheck(code));
      await page.locator('#name').fill('端到端测试企业');
      await page.locator('#region_code').selectOption('430202');
      await page.locator('#org-submit').click();
      const errors = page.locator('#form-errors');
      await errors.waitFor({ state: 'visible' });
      assert.ok((await errors.innerText()).includes(`应为 ${code[17]}`), await errors.innerText());
      assert.equal(await page.locator('#name').inputValue(), '端到端测试企业', 'what was typed is kept');
      await page.locator('#uscc').fill(code);
      await page.locator('#org-submit').click();
      await page.waitForURL(/\/organisations\/\d+$/);
      assert.ok((await page.locator('#org-facts').innerText()).includes(code));

      // 2. An import with one bad row is refused as a whole.
      const header = '统一社会信用代码,单位名称,单位类型,所在区划代码,所在园区代码,行业代码,成立日期';
      const a = uscc('91430211MA4TE2E02');
      const b = uscc('91430211MA4TE2E03');
      const bad = `${header}\n${a},E2E导入甲,企业,430211,P43001,C38,2019-05-06\n${wrongCheck(b)},E2E导入乙,企业,430211,,,\n`;
      const badFile = path.join(dir, 'bad.csv');
      await writeFile(badFile, bad);
      await page.goto('/imports?kind=organisation');
      await page.locator('#import-file').setInputFiles(badFile);
      await page.locator('#import-submit').click();
      const summary = page.locator('#import-summary');
      await summary.waitFor({ state: 'visible', timeout: 60_000 });
      assert.equal(await summary.getAttribute('role'), 'alert');
      const row = page.locator('#import-errors tr', { hasText: '统一社会信用代码' }).first();
      assert.ok((await row.innerText()).includes('3'), 'the error names row 3');
      assert.match(await countOf(page, 'E2E导入'), /共 0 家/, 'nothing was written');

      // 3. Fixed, the file goes in.
      const good = `${header}\n${a},E2E导入甲,企业,430211,P43001,C38,2019-05-06\n${b},E2E导入乙,企业,430211,,,\n`;
      const goodFile = path.join(dir, 'good.csv');
      await writeFile(goodFile, good);
      await page.goto('/imports?kind=organisation');
      await page.locator('#import-file').setInputFiles(goodFile);
      await page.locator('#import-submit').click();
      await summary.waitFor({ state: 'visible', timeout: 60_000 });
      assert.equal(await summary.getAttribute('role'), 'status', await summary.innerText());
      assert.ok((await summary.innerText()).includes('0 行出错'), await summary.innerText());
      assert.match(await countOf(page, 'E2E导入'), /共 2 家/);
    });
  });
});
