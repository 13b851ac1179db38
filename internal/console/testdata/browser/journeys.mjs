// Browser check of the console's journey runs section against a running
// demo gateway in which the Go test triggered two journeys for a customer.
//
// Usage: node journeys.mjs
// Environment (set by TestConsoleJourneyRuns in internal/console):
//   HARMONY_CONSOLE_URL        the console page (http://127.0.0.1:PORT/console)
//   HARMONY_CONSOLE_CUSTOMER   the customer's Harmony ID (cus_…)
//   HARMONY_CONSOLE_ARTIFACTS  where the screenshot goes
//   HARMONY_CHROMIUM           the browser (default /usr/bin/chromium)
//
// Opens the customer, waits for the section's runs: the cart reminder
// pending, the NPS callback skipped for consent, said in words. Fails on a
// console error, a failed request or a request to another origin. A JSON
// report goes to stdout; the exit code is 0 only when every check passed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const pageURL = process.env.HARMONY_CONSOLE_URL;
const customer = process.env.HARMONY_CONSOLE_CUSTOMER;
const outDir = process.env.HARMONY_CONSOLE_ARTIFACTS || tmpdir();
const executablePath = process.env.HARMONY_CHROMIUM || '/usr/bin/chromium';
const timeout = Number(process.env.HARMONY_CONSOLE_TIMEOUT_MS) || 120_000;
if (!pageURL || !customer) {
  console.error('usage: node journeys.mjs (with HARMONY_CONSOLE_URL and HARMONY_CONSOLE_CUSTOMER set)');
  process.exit(2);
}
const origin = new URL(pageURL).origin;
const report = { checks: {}, screenshots: [], foreignRequests: [], failedRequests: [], consoleErrors: [], problems: [] };
const check = (name, ok, detail) => {
  report.checks[name] = ok ? 'ok' : `FAILED${detail ? `: ${detail}` : ''}`;
  if (!ok) report.problems.push(name);
};

const userDataDir = mkdtempSync(join(tmpdir(), 'harmony-journeys-'));
let context;
let closing = false;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (['data:', 'blob:', 'about:'].includes(u.protocol)) return;
    if (u.origin.replace(/^ws/, 'http') !== origin) report.foreignRequests.push(req.url());
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

  const response = await page.goto(`${pageURL}#/customer/${encodeURIComponent(customer)}`, { waitUntil: 'load', timeout });
  check('the console page answers 200', response?.status() === 200, String(response?.status()));
  const section = page.locator('section#journeys');
  await section.locator('li.journey-run').nth(1).waitFor({ state: 'visible', timeout });
  check('the section is titled', (await section.locator('h2').textContent())?.trim() === 'Automated journeys');
  const cart = section.locator('li.journey-run[data-journey="cart-abandoned-app"]');
  const nps = section.locator('li.journey-run[data-journey="nps-detractor-callback"]');
  check('one run per triggered journey', (await section.locator('li.journey-run').count()) === 2);
  check('the cart reminder waits for its delay', (await cart.getAttribute('data-status')) === 'PENDING' && /Due /.test((await cart.textContent()) || ''));
  check('the NPS callback is skipped and says why', (await nps.getAttribute('data-status')) === 'SKIPPED' &&
    /no consent for the purpose/.test((await nps.textContent()) || ''));
  check('each run names its journey in words', /Remind a customer/.test((await cart.textContent()) || ''));
  await section.scrollIntoViewIfNeeded();
  const path = join(outDir, 'console-journeys.png');
  await section.screenshot({ path });
  report.screenshots.push(path);
} catch (e) {
  report.problems.push(`browser: ${e.message.split('\n')[0]}`);
} finally {
  closing = true;
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
if (report.foreignRequests.length) report.problems.push('requests to other origins');
if (report.failedRequests.length) report.problems.push('failed requests');
if (report.consoleErrors.length) report.problems.push('console errors');
console.log(JSON.stringify(report, null, 2));
process.exit(report.problems.length === 0 ? 0 : 1);
