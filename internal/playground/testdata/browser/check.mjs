// Browser check of the Harmony playground.
//
// Usage: node check.mjs <page URL> <screenshot.png> [expected tab title...]
//
// Opens the page (served by someone else: this script starts no server) in
// Debian's headless Chromium through playwright-core, and fails unless:
//   - GraphiQL's query editor renders,
//   - a tab exists for every expected title,
//   - the explorer plugin, the settings dialog and the editor's search
//     dialog open,
//   - every request the page makes goes to the page's own origin,
//   - nothing is logged as a console error (CSP violations included) and no
//     request fails.
// The screenshot is written in any case once the page has loaded. A JSON
// report goes to stdout; the exit code is 0 only when every check passed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [pageURL, screenshotPath, ...expectedTabs] = process.argv.slice(2);
if (!pageURL || !screenshotPath) {
  console.error('usage: node check.mjs <page URL> <screenshot.png> [expected tab title...]');
  process.exit(2);
}
const origin = new URL(pageURL).origin;
const executablePath = process.env.HARMONY_CHROMIUM || '/usr/bin/chromium';
const timeout = 30_000;

const report = {
  url: pageURL,
  screenshot: null,
  rendered: false,
  tabs: [],
  requests: [],
  foreignRequests: [],
  failedRequests: [],
  consoleErrors: [],
  consoleWarnings: [],
  problems: [],
};

const userDataDir = mkdtempSync(join(tmpdir(), 'harmony-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

  // Report CSP violations explicitly too (Chromium also logs them as console
  // errors). Playwright injects this script outside the page's CSP.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(
        `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}` +
          ` at ${e.sourceFile || '?'}:${e.lineNumber || 0}`,
      );
    });
  });

  context.on('request', (req) => {
    const u = new URL(req.url());
    if (u.protocol === 'data:' || u.protocol === 'blob:') return;
    report.requests.push(`${req.method()} ${req.url()}`);
    const reqOrigin = u.origin.replace(/^ws/, 'http'); // ws(s) maps onto http(s)
    if (reqOrigin !== origin) report.foreignRequests.push(req.url());
  });
  context.on('requestfailed', (req) => {
    report.failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`);
  });

  const page = context.pages()[0] ?? (await context.newPage());
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).host !== new URL(origin).host) report.foreignRequests.push(ws.url());
  });
  page.on('console', (msg) => {
    const text = `${msg.text()} (${msg.location().url || '?'})`;
    if (msg.type() === 'error') report.consoleErrors.push(text);
    if (msg.type() === 'warning') report.consoleWarnings.push(text);
  });
  page.on('pageerror', (err) => report.consoleErrors.push(`uncaught: ${err.message}`));

  const response = await page.goto(pageURL, { waitUntil: 'load', timeout });
  if (!response || response.status() !== 200) {
    report.problems.push(`page answered ${response ? response.status() : 'nothing'}`);
  }

  try {
    await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor({ state: 'visible', timeout });
    report.rendered = true;
  } catch {
    report.problems.push('GraphiQL query editor did not render');
  }

  if (report.rendered) {
    // Let GraphiQL fetch the schema before looking around.
    await page.waitForLoadState('networkidle', { timeout }).catch(() => {
      report.problems.push('network did not settle');
    });

    report.tabs = (await page.locator('.graphiql-tab .graphiql-tab-button').allInnerTexts()).map((t) => t.trim());
    for (const title of expectedTabs) {
      if (!report.tabs.includes(title)) report.problems.push(`tab "${title}" missing`);
    }

    // The settings dialog makes GraphiQL add a <style> element at run time,
    // which the CSP must allow.
    try {
      await page.getByRole('button', { name: 'Open settings dialog' }).click({ timeout });
      await page.getByRole('dialog').waitFor({ state: 'visible', timeout });
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden', timeout });
    } catch (e) {
      report.problems.push(`settings dialog: ${e.message.split('\n')[0]}`);
    }

    // CodeMirror's search dialog is HTML with style attributes, which the CSP
    // must allow too.
    try {
      await page.locator('.graphiql-query-editor .CodeMirror-code').first().click({ timeout });
      await page.keyboard.press('Control+F');
      await page.locator('.CodeMirror-dialog').first().waitFor({ state: 'visible', timeout });
      await page.keyboard.press('Escape');
    } catch (e) {
      report.problems.push(`search dialog: ${e.message.split('\n')[0]}`);
    }

    // Run the second tab's operation: GraphiQL 4 would send the first tab's
    // operation name with it ("operation X not found"); boot.js drops a name
    // the document does not define.
    if (report.tabs.length > 1) {
      try {
        const sent = page.waitForRequest(
          (req) => req.method() === 'POST' && !(req.postData() || '').includes('__schema'),
          { timeout },
        );
        await page.locator('.graphiql-tab .graphiql-tab-button').nth(1).click({ timeout });
        await page.getByRole('button', { name: /Execute query/ }).click({ timeout });
        const body = JSON.parse((await sent).postData() || '{}');
        const name = body.operationName;
        if (name && !new RegExp(`\\b(query|mutation|subscription)\\s+${name}\\b`).test(body.query || '')) {
          report.problems.push(`the second tab ran with operation name ${name}, which its document does not define`);
        }
      } catch (e) {
        report.problems.push(`run the second tab: ${e.message.split('\n')[0]}`);
      }
    }

    // Open the explorer plugin so that the screenshot shows it.
    try {
      await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click({ timeout });
      await page.locator('.graphiql-explorer-root').first().waitFor({ state: 'visible', timeout });
    } catch (e) {
      report.problems.push(`explorer plugin: ${e.message.split('\n')[0]}`);
    }
    await page.waitForLoadState('networkidle', { timeout }).catch(() => {});
  }

  await page.screenshot({ path: screenshotPath });
  report.screenshot = screenshotPath;
} catch (e) {
  report.problems.push(`browser: ${e.message.split('\n')[0]}`);
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

if (report.foreignRequests.length) report.problems.push('requests to other origins');
if (report.failedRequests.length) report.problems.push('failed requests');
if (report.consoleErrors.length) report.problems.push('console errors');

console.log(JSON.stringify(report, null, 2));
process.exit(report.problems.length === 0 ? 0 : 1);
