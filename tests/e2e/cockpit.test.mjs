// Cockpit e2e test: the leader opens `/`, sees the HTE card of the demo (915 firms in 2021, a
// target of 1,100 for 2022), the map of Zhuzhou's nine county-level divisions, clicks a district
// on the map and gets that district's cockpit, goes back, and reads the page in English.
//
// Runs against the real GET /api/v1/cockpit of `gaodi demo`.
// Run with:  GAODI_BIN=/path/to/gaodi node --test tests/e2e/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { loginFirstTime, useDemo, waitForPath, withPage } from './harness.mjs';

const TEST_TIMEOUT_MS = 240_000;
const HOOK_TIMEOUT_MS = 180_000;

/** Zhuzhou's county-level divisions from 2018 (渌口区 430212 replaced 株洲县 430221). */
const DISTRICTS = ['430202', '430203', '430204', '430211', '430212', '430223', '430224', '430225', '430281'];
const CJK = /[\u3400-\u9fff]/;

/** Waits until the cockpit has drawn the view (or failed: then the page's error message is the failure). */
async function cockpitReady(page, { region, period } = {}) {
  let sel = '#cockpit[data-state="ready"]';
  if (region) sel += `[data-region="${region}"]`;
  if (period) sel += `[data-period="${period}"]`;
  await page.locator(`${sel}, #cockpit[data-state="error"]`).waitFor({ state: 'attached' });
  if ((await page.locator('#cockpit').getAttribute('data-state')) === 'error') {
    assert.fail(`the cockpit shows an error: ${await page.locator('#ck-error').innerText()}`);
  }
  await page.locator(sel).waitFor({ state: 'attached' });
}

function hteCard(page) {
  return page.locator('#ck-cards a.ck-card[data-code="hte_count"]');
}

/** What the map's ECharts instance holds: the region codes of its series data and the SVG paths drawn. */
async function mapState(page) {
  return page.evaluate(() => {
    const box = document.querySelector('#ck-map .ck-chart');
    const chart = box && window.echarts.getInstanceByDom(box);
    if (!chart) return null;
    const series = chart.getOption().series[0];
    return {
      type: series.type,
      codes: series.data.map((d) => d.name).sort(),
      values: series.data.filter((d) => typeof d.value === 'number').length,
      paths: box.querySelectorAll('svg path').length,
    };
  });
}

/** Clicks the centre of a district's block on the map, as a person would. */
async function clickDistrict(page, code) {
  const box = page.locator('#ck-map .ck-chart');
  await box.scrollIntoViewIfNeeded();
  const point = await page.evaluate(async (code) => {
    const config = JSON.parse(document.getElementById('cockpit-config').textContent);
    const region = document.getElementById('cockpit').getAttribute('data-region');
    const geo = await (await fetch(config.maps[region])).json();
    const feature = geo.features.find((f) => f.properties.code === code);
    const ring = feature.geometry.coordinates[0];
    const xs = ring.map((p) => p[0]);
    const ys = ring.map((p) => p[1]);
    const centre = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    const dom = document.querySelector('#ck-map .ck-chart');
    const px = window.echarts.getInstanceByDom(dom).convertToPixel({ seriesIndex: 0 }, centre);
    const rect = dom.getBoundingClientRect();
    return [rect.left + px[0], rect.top + px[1]];
  }, code);
  await page.mouse.click(point[0], point[1]);
}

describe('gaodi cockpit', () => {
  const demo = useDemo({ hookTimeout: HOOK_TIMEOUT_MS });

  test('HTE card, district map, click-through to a district, English', { timeout: TEST_TIMEOUT_MS }, async () => {
    await withPage(demo.browser, demo.server, 'cockpit', async (page) => {
      await page.setViewportSize({ width: 1366, height: 768 });
      await loginFirstTime(page, demo.server.account('leader'));
      await cockpitReady(page, { region: '430200' });
      assert.match(await page.locator('#ck-where').innerText(), /株洲市/);

      // 1. 2021: 915 valid high-tech enterprises.
      await page.locator('select#ck-period').selectOption('2021');
      await waitForPath(page, '/', { search: (q) => q.get('period') === '2021' });
      await cockpitReady(page, { region: '430200', period: '2021' });
      const card2021 = hteCard(page);
      assert.equal(await card2021.getAttribute('data-value'), '915');
      assert.match(await card2021.innerText(), /915/);
      assert.ok(await card2021.getAttribute('href'), 'the HTE card links to where its figure comes from');

      // 2. 2022: the target of 重点2 is 1,100 firms, shown with its comparator and a status in words.
      await page.locator('select#ck-period').selectOption('2022');
      await waitForPath(page, '/', { search: (q) => q.get('period') === '2022' });
      await cockpitReady(page, { region: '430200', period: '2022' });
      const card2022 = hteCard(page);
      assert.equal(await card2022.getAttribute('data-target'), '1100');
      const text2022 = await card2022.innerText();
      assert.match(text2022, /1,100/);
      assert.ok((await card2022.locator('.status').innerText()).trim().length > 0, 'the status has a text label');

      // 3. The map: the nine districts in the series, drawn as SVG paths.
      const map = await mapState(page);
      assert.ok(map, 'the map chart is drawn');
      assert.equal(map.type, 'map');
      assert.deepEqual(map.codes, DISTRICTS);
      assert.ok(map.values > 0, 'some districts have a value on the map');
      assert.ok(map.paths >= DISTRICTS.length, `at least 9 SVG paths, found ${map.paths}`);
      assert.ok((await page.locator('#ck-ranking .ck-chart svg').count()) > 0, 'the ranking chart is drawn');

      // 4. Clicking 天元区 on the map opens its cockpit; back returns to the city.
      await clickDistrict(page, '430211');
      await waitForPath(page, '/', { search: (q) => q.get('region') === '430211' && q.get('period') === '2022' });
      await cockpitReady(page, { region: '430211', period: '2022' });
      assert.match(await page.locator('#ck-where').innerText(), /天元区/);
      assert.ok((await page.locator('#ck-map svg').count()) > 0, 'the district view still shows a map (where it lies)');
      await page.goBack();
      await waitForPath(page, '/', { search: (q) => !q.get('region') && q.get('period') === '2022' });
      await cockpitReady(page, { region: '430200', period: '2022' });

      // 5. English: labels from the catalogue, names from the API, same view.
      await page.locator('#lang-en').click();
      await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
      await cockpitReady(page, { region: '430200', period: '2022' });
      assert.match(await page.locator('h1').innerText(), /Cockpit/);
      assert.equal(await page.locator('#ck-cards-h').innerText(), 'Key indicators');
      const enCard = hteCard(page);
      const enName = await enCard.locator('.ck-card-name').innerText();
      assert.ok(!CJK.test(enName), `the HTE card's name should be English, is ${enName}`);
      assert.match(await enCard.innerText(), /Target/);
      assert.ok(!CJK.test(await page.locator('#ck-where').innerText()), 'the region name is English');
      const enMap = await mapState(page);
      assert.deepEqual(enMap.codes, DISTRICTS);
    });
  });
});
