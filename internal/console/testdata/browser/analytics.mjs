// Browser check of the console's analytics page against a running demo
// gateway: node analytics.mjs
//
// Environment (set by TestConsoleAnalytics in internal/console):
//   HARMONY_CONSOLE_URL        the console page (http://127.0.0.1:PORT/console)
//   HARMONY_ANALYTICS_WANT     what the page must show, as JSON: the figures
//                              the test read from /graphql (customers,
//                              cohorts, channels, npsMonths) and a saved
//                              segment (segmentId, segmentCount)
//   HARMONY_CONSOLE_ARTIFACTS  where screenshots go
//   HARMONY_CHROMIUM           the browser (default /usr/bin/chromium)
//
// It opens the page from the header's link with the keyboard, checks the
// cohort heat map, retention curve, NPS trend and channel mix against the
// figures, switches to the segment, audits accessibility at a laptop and a
// phone width, and fails on a request to another origin, a failed request,
// a console error or a CSP violation. A JSON report goes to stdout; the
// exit code is 0 only when every check passed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { auditPage } from './a11y.mjs';

const pageURL = process.env.HARMONY_CONSOLE_URL;
const want = JSON.parse(process.env.HARMONY_ANALYTICS_WANT || 'null');
const outDir = process.env.HARMONY_CONSOLE_ARTIFACTS || tmpdir();
const executablePath = process.env.HARMONY_CHROMIUM || '/usr/bin/chromium';
const timeout = Number(process.env.HARMONY_CONSOLE_TIMEOUT_MS) || 120_000;
let step = 'start';

if (!pageURL || !want) {
  console.error('usage: node analytics.mjs (with HARMONY_CONSOLE_URL and HARMONY_ANALYTICS_WANT set)');
  process.exit(2);
}
const origin = new URL(pageURL).origin;
const report = { mode: 'analytics', checks: {}, screenshots: [], requests: 0, foreignRequests: [], failedRequests: [], consoleErrors: [], problems: [] };
const fail = (msg) => report.problems.push(msg);
const check = (name, ok, detail) => {
  report.checks[name] = ok ? 'ok' : `FAILED${detail ? `: ${detail}` : ''}`;
  if (!ok) fail(`${name}${detail ? `: ${detail}` : ''}`);
  return ok;
};

async function analytics(page) {
  step = 'open the page from the header with the keyboard';
  await page.locator('#nav-analytics').focus();
  await page.keyboard.press('Enter');
  await page.locator('#analytics-kpis').waitFor({ state: 'visible', timeout });
  check('the link leads to #/analytics', new URL(page.url()).hash === '#/analytics', page.url());
  check('focus moves to the page heading', await page.evaluate(() => document.activeElement?.id === 'analytics-title'));

  step = 'figures';
  const customers = (await page.locator('#kpi-customers .big').textContent())?.trim();
  check('the customers figure is the gateway’s', customers === String(want.customers), `${customers} vs ${want.customers}`);
  const rows = Number(await page.locator('#cohort-heatmap').getAttribute('data-rows'));
  check('the heat map has a row per cohort (the latest 12)', rows === Math.min(12, want.cohorts) && rows > 0, `${rows} rows for ${want.cohorts} cohorts`);
  const cells = await page.locator('#cohort-heatmap rect.heat-cell').count();
  check('the heat map has shaded cells', cells >= rows, `${cells} cells`);
  const curve = Number(await page.locator('#retention-curve').getAttribute('data-points'));
  check('the retention curve has points', curve > 1, String(curve));
  const trend = Number(await page.locator('#nps-trend').getAttribute('data-points'));
  check('the NPS trend has a point per month (the latest 24)', trend === Math.min(24, want.npsMonths), `${trend} for ${want.npsMonths} months`);
  const mix = Number(await page.locator('#channel-mix').getAttribute('data-points'));
  check('the channel mix has a bar per channel', mix === want.channels, `${mix} for ${want.channels}`);
  const fresh = (await page.locator('#analytics-freshness').textContent()) || '';
  check('freshness says when the systems were read', /Systems read/.test(fresh), fresh);
  await page.screenshot({ path: join(outDir, 'analytics.png'), fullPage: true });
  report.screenshots.push(join(outDir, 'analytics.png'));

  let problems = await auditPage(page);
  check('audit of the analytics page at 1280 px', problems.length === 0, problems.join('; '));

  step = 'switch to a segment';
  await page.locator('#analytics-segment').selectOption(want.segmentId);
  await page.waitForFunction((n) => document.querySelector('#kpi-customers .big')?.textContent?.trim() === String(n), want.segmentCount, { timeout });
  check('a segment counts its members', true);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.documentElement.clientWidth <= 390, null, { timeout });
  problems = await auditPage(page);
  if (problems.length) {
    report.widest = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > 400 && !el.closest('.sr-only'))
        .slice(0, 8)
        .map((el) => `${el.tagName}#${el.id}.${el.className?.baseVal ?? el.className} ${Math.round(el.getBoundingClientRect().right)}`),
    );
  }
  check('audit of the analytics page at 390 px', problems.length === 0, problems.join('; '));
  await page.screenshot({ path: join(outDir, 'analytics-phone.png'), fullPage: false });
  report.screenshots.push(join(outDir, 'analytics-phone.png'));
}

const userDataDir = mkdtempSync(join(tmpdir(), 'harmony-chromium-'));
let context;
let closing = false;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || '?'}:${e.lineNumber || 0}`);
    });
  });
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return;
    report.requests++;
    if (u.origin !== origin) report.foreignRequests.push(req.url());
  });
  context.on('requestfailed', (req) => {
    const err = req.failure()?.errorText || '';
    if (closing || (err.includes('ERR_ABORTED') && new URL(req.url()).pathname === '/graphql')) return;
    report.failedRequests.push(`${new URL(req.url()).pathname}: ${err}`);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') report.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => report.consoleErrors.push(`uncaught: ${err.message}`));
  const response = await page.goto(pageURL, { waitUntil: 'load', timeout });
  check('the console page answers 200', response?.status() === 200, String(response?.status()));
  await page.locator('#q').waitFor({ state: 'visible', timeout });
  await analytics(page);
} catch (e) {
  fail(`browser, at step "${step}": ${e.message.split('\n')[0]}`);
} finally {
  closing = true;
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

if (report.foreignRequests.length) fail('requests to other origins');
if (report.failedRequests.length) fail('failed requests');
if (report.consoleErrors.length) fail('console errors');

console.log(JSON.stringify(report, null, 2));
process.exit(report.problems.length === 0 ? 0 : 1);
