// Browser checks of the Harmony console against a running demo gateway.
//
// Usage: node check.mjs <journey|gap|stale|switch|playground|a11y|recs>
// Environment (set by the Go tests in internal/console):
//   HARMONY_CONSOLE_URL        the console page (http://127.0.0.1:PORT/console)
//   HARMONY_CONSOLE_PHONE      a demo customer's phone, as a system writes it
//   HARMONY_CONSOLE_LIVE_URL   POST here makes the helpdesk send a webhook
//                              event for that customer (journey)
//   HARMONY_CONSOLE_DOWN       the system the test took down (gap), or whose
//                              timeline entries must show as stale (stale)
//   HARMONY_CONSOLE_DOWN_URL   POST here takes the systems down (stale)
//   HARMONY_CONSOLE_STALE      the systems taken down, comma-separated (stale)
//   HARMONY_CONSOLE_OTHER_ID   another customer's Harmony ID (switch)
//   HARMONY_CONSOLE_STRANGER   a phone number no customer has (switch)
//   HARMONY_CONSOLE_TABS       the playground's example tabs in order, as a
//                              JSON list of operation names (playground)
//   HARMONY_CONSOLE_RECS       the recommendations status expected: OK or
//                              NO_CONSENT (recs)
//   HARMONY_CONSOLE_ARTIFACTS  where screenshots go
//   HARMONY_CHROMIUM           the browser (default /usr/bin/chromium)
//
// Drives Debian's headless Chromium through playwright-core. Every mode
// also fails on a request to another origin, a failed request, a console
// error or a CSP violation. A JSON report goes to stdout (never the
// customer's data); the exit code is 0 only when every check passed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { auditPage, BROKEN_EXPECTED, BROKEN_PAGE } from './a11y.mjs';

const mode = process.argv[2];
const pageURL = process.env.HARMONY_CONSOLE_URL;
const phone = process.env.HARMONY_CONSOLE_PHONE;
const liveURL = process.env.HARMONY_CONSOLE_LIVE_URL;
const down = process.env.HARMONY_CONSOLE_DOWN;
const downURL = process.env.HARMONY_CONSOLE_DOWN_URL;
const staleSystems = (process.env.HARMONY_CONSOLE_STALE || '').split(',').filter(Boolean);
const otherID = process.env.HARMONY_CONSOLE_OTHER_ID;
const stranger = process.env.HARMONY_CONSOLE_STRANGER;
const outDir = process.env.HARMONY_CONSOLE_ARTIFACTS || tmpdir();
const executablePath = process.env.HARMONY_CHROMIUM || '/usr/bin/chromium';
// A guard against hangs, generous for the race detector on a busy machine:
// every wait is for a state, never a measured duration.
const timeout = Number(process.env.HARMONY_CONSOLE_TIMEOUT_MS) || 120_000;
let step = 'start'; // named in a failure, to say where it stopped

if (!['journey', 'gap', 'stale', 'switch', 'playground', 'a11y', 'recs'].includes(mode) || !pageURL || !phone) {
  console.error('usage: node check.mjs <journey|gap|stale|switch|playground|a11y|recs> (with HARMONY_CONSOLE_URL and HARMONY_CONSOLE_PHONE set)');
  process.exit(2);
}
const origin = new URL(pageURL).origin;

const report = {
  mode,
  checks: {},
  screenshots: [],
  requests: 0,
  foreignRequests: [],
  failedRequests: [],
  consoleErrors: [],
  problems: [],
};
const fail = (msg) => report.problems.push(msg);
const check = (name, ok, detail) => {
  report.checks[name] = ok ? 'ok' : `FAILED${detail ? `: ${detail}` : ''}`;
  if (!ok) fail(`${name}${detail ? `: ${detail}` : ''}`);
  return ok;
};
const shot = async (page, name, opts = {}) => {
  const path = join(outDir, name);
  await page.screenshot({ path, fullPage: true, ...opts });
  report.screenshots.push(path);
};

// search types the phone into the search box and submits with Enter, then
// waits for the profile.
async function search(page) {
  step = 'search by phone';
  await page.locator('#q').fill(phone);
  await page.locator('#q').press('Enter');
  await page.locator('#profile-title').waitFor({ state: 'visible', timeout });
}

const channelsShown = (page) =>
  page.$$eval('.timeline li.entry', (els) => [...new Set(els.map((e) => e.getAttribute('data-channel')))]);

async function journey(page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await search(page);
  step = 'first timeline page';
  await page.locator('.timeline li.entry').first().waitFor({ state: 'visible', timeout });

  // Scroll the timeline: each time its end comes into view the next page
  // loads on the cursor. Keep going until four channels show, and at least
  // one page beyond the first loaded by scrolling.
  step = 'scroll the timeline';
  let scrolled = 0;
  for (let i = 0; i < 40; i++) {
    const count = await page.locator('.timeline li.entry').count();
    const more = await page.locator('#timeline-more').isVisible();
    if (!more || ((await channelsShown(page)).length >= 4 && scrolled > 0)) break;
    await page.locator('.timeline-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction(
      (n) => document.querySelectorAll('.timeline li.entry').length > n || document.getElementById('timeline-more')?.hidden,
      count,
      { timeout },
    );
    if ((await page.locator('.timeline li.entry').count()) > count) scrolled++;
  }
  const channels = await channelsShown(page);
  report.timelineChannels = channels;
  report.timelineEntries = await page.locator('.timeline li.entry').count();
  report.pagesLoadedByScrolling = scrolled;
  check('timeline shows entries from at least four channels', channels.length >= 4, `saw ${channels.join(', ')}`);
  check('scrolling the timeline loads the next page on its cursor', scrolled > 0 && (report.timelinePagesWithCursor || 0) >= scrolled,
    `${scrolled} pages by scrolling, ${report.timelinePagesWithCursor || 0} asked with a cursor`);
  const unlabeled = await page.$$eval('.timeline li.entry .chip', (els) => els.filter((c) => !c.querySelector('.chip-label')?.textContent?.trim()).length);
  check('every channel icon has a text label', unlabeled === 0, `${unlabeled} without`);
  check('no gap marker while every system is up', (await page.locator('.timeline li.gap').count()) === 0);

  // The golden profile shows each field's source and freshness.
  const fields = await page.$$eval('.profile-table tr[data-field]', (rows) =>
    rows.map((r) => ({ src: r.querySelector('.src')?.textContent?.trim(), fresh: r.querySelector('.fresh .badge')?.textContent?.trim() })),
  );
  check('the golden profile shows sources and freshness', fields.length >= 3 && fields.every((f) => f.src && f.fresh), `${fields.length} fields`);
  const links = await page.locator('svg.idgraph g.node').count();
  const rules = await page.$$eval('svg.idgraph line[data-rule]', (ls) => ls.map((l) => l.getAttribute('data-rule')));
  check('the identity graph draws each link with its rule', links >= 2 && rules.length === links && rules.every(Boolean), `${links} nodes`);
  check('consent is shown per purpose', (await page.locator('.consent-table tbody tr').count()) >= 4);
  const bars = await page.locator('#chart-orders rect').count();
  check('the orders chart has bars', bars > 0);
  check('the partial-data banner stays hidden when nothing failed', await page.locator('#partial-banner').isHidden(),
    await page.locator('#partial-banner').textContent());

  // Open a conversation that crossed channels.
  step = 'open a conversation';
  const toggle = page.locator('.conv-toggle[data-crosses="true"]').first();
  if (check('a conversation crosses channels', (await toggle.count()) > 0)) {
    await toggle.scrollIntoViewIfNeeded();
    await toggle.click();
    const panelId = await toggle.getAttribute('aria-controls');
    const panel = page.locator(`#${panelId}`);
    await panel.waitFor({ state: 'visible', timeout });
    const threadChannels = await panel.locator('li.message').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-channel')))]);
    report.threadChannels = threadChannels;
    check('the opened conversation lists messages on two channels or more', threadChannels.length >= 2, threadChannels.join(', '));
    check('the conversation toggle says it is expanded', (await toggle.getAttribute('aria-expanded')) === 'true');
    await page.locator('#conversations').screenshot({ path: join(outDir, 'console-conversation.png') });
    report.screenshots.push(join(outDir, 'console-conversation.png'));
  }

  // Live: the subscription delivers a webhook event to the page.
  if (liveURL) {
    step = 'live event';
    await page.locator('.live-state[data-state="live"]').waitFor({ timeout });
    const deadline = Date.now() + timeout;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      const r = await fetch(liveURL, { method: 'POST' });
      if (r.status !== 204) {
        fail(`live trigger answered ${r.status}`);
        break;
      }
      seen = await page
        .locator('.live-item')
        .first()
        .waitFor({ timeout: 1000 })
        .then(() => true)
        .catch(() => false);
    }
    check('a live event arrives through the subscription', seen);
    check('the live event joins the top of the timeline', (await page.locator('.timeline li.entry.new').count()) > 0);
  }

  await page.locator('.timeline-scroll').evaluate((el) => el.scrollTo(0, 0));
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'console.png');

  // Phone width.
  step = 'phone width';
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.documentElement.clientWidth <= 390, null, { timeout });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check('nothing overflows a 390 px viewport', wide <= 391, `${wide}px`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'console-phone.png', { fullPage: false });
  await shot(page, 'console-390-full.png');
}

// recs checks the customer page's recommendations (with their reasons, or
// the reason there are none) and a conversation's transcript (messages
// with their authors).
async function recs(page) {
  const want = process.env.HARMONY_CONSOLE_RECS || 'OK';
  await page.setViewportSize({ width: 1280, height: 900 });
  await search(page);
  step = 'recommendations';
  await page.locator('#recommendations .rec, #recommendations .recs-status').first().waitFor({ state: 'visible', timeout });
  if (want === 'OK') {
    const items = await page.$$eval('#recommendations .rec', (els) =>
      els.map((e) => ({ reason: e.getAttribute('data-reason'), text: e.querySelector('.rec-reason')?.textContent?.trim() ?? '' })),
    );
    report.recommendations = items.map((i) => i.reason);
    check('recommendations are listed', items.length >= 3, `${items.length}`);
    check('every recommendation says why', items.every((i) => /^(because you bought |viewed |goes with |popular now)/.test(i.text)), items.map((i) => i.text.split(' ')[0]).join(', '));
    check('a recommendation comes from what the customer bought or viewed', items.some((i) => i.reason === 'BOUGHT' || i.reason === 'VIEWED'));
  } else {
    const status = await page.locator('#recommendations .recs-status').getAttribute('data-status').catch(() => null);
    check(`recommendations say ${want}`, status === want, String(status));
    check('no recommendation is listed', (await page.locator('#recommendations .rec').count()) === 0);
  }
  check('the partial-data banner stays hidden', await page.locator('#partial-banner').isHidden(), await page.locator('#partial-banner').textContent());

  step = 'transcript';
  const toggles = page.locator('.conv-toggle');
  const n = await toggles.count();
  let authors = [];
  for (let i = 0; i < n && authors.length < 2; i++) {
    const toggle = toggles.nth(i);
    await toggle.scrollIntoViewIfNeeded();
    await toggle.click();
    const panel = page.locator(`#${await toggle.getAttribute('aria-controls')}`);
    await panel.waitFor({ state: 'visible', timeout });
    const entries = await panel.locator('li.transcript-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-author')));
    if (!entries.length) continue;
    authors = [...new Set(entries.filter(Boolean))];
    if (authors.length >= 2) {
      report.transcriptAuthors = authors;
      await panel.screenshot({ path: join(outDir, 'console-transcript.png') });
      report.screenshots.push(join(outDir, 'console-transcript.png'));
    }
  }
  check('a transcript shows messages by the customer and the company', authors.length >= 2 && authors.includes('CUSTOMER'), authors.join(', '));
  if (want === 'OK') {
    await page.locator('#recommendations').screenshot({ path: join(outDir, 'console-recommendations.png') });
    report.screenshots.push(join(outDir, 'console-recommendations.png'));
  }
}

async function gap(page) {
  step = 'gap marker';
  await page.setViewportSize({ width: 1280, height: 900 });
  await search(page);
  const marker = page.locator(`.timeline li.gap[data-source="${down}"]`).first();
  const shown = await marker.waitFor({ state: 'visible', timeout }).then(() => true, () => false);
  check(`the timeline shows a gap marker for ${down}`, shown);
  if (shown) {
    const text = (await marker.textContent()) || '';
    check('the gap marker says what is missing in words, without a raw code', /^⚠?Gap: The .+ is missing here — its .+ could not be read: it .+\./.test(text.trim()) && !/\b[A-Z]{2,}_[A-Z_]{2,}\b/.test(text), text);
    check('the gap marker is announced as a note', (await marker.getAttribute('role')) === 'note');
  }
  check('entries of the other systems still arrive', (await page.locator('.timeline li.entry').count()) > 0);
  check(`no entry of ${down} is shown`, (await page.locator(`.timeline li.entry[data-source="${down}"]`).count()) === 0);
  const banner = page.locator('#partial-banner');
  const bannerShown = await banner.waitFor({ state: 'visible', timeout }).then(() => true, () => false);
  check('the partial-data banner is shown', bannerShown);
  if (bannerShown) {
    check('the banner is an alert', (await banner.getAttribute('role')) === 'alert');
    const text = (await banner.textContent()) || '';
    check('the banner shows no raw error code', !/\b[A-Z]{2,}_[A-Z_]{2,}\b/.test(text), text.match(/\b[A-Z]{2,}_[A-Z_]{2,}\b/)?.[0]);
    const lines = await banner.locator('li').allTextContents();
    check('the banner says each thing once', new Set(lines).size === lines.length);
    const mine = banner.locator(`li[data-source="${down}"]`);
    check(`the banner has one line for ${down}`, (await mine.count()) === 1, String(await mine.count()));
    if ((await mine.count()) === 1) {
      const line = (await mine.textContent()) || '';
      check('the line says in words which system fails and what is missing', /^The .+ is not answering: .+ (is|are) missing\.$/.test(line), line);
      if (down === 'calls') check('the call center is named as such, and its metrics', line.startsWith('The call center is not answering: ') && line.includes('call metrics'), line);
    }
  }
  await marker.scrollIntoViewIfNeeded().catch(() => {});
  await shot(page, 'console-gap.png');
}

// stale shows a customer while every system is up, has the test take some
// down (the gateway still holds what it read of them), opens the customer
// again and checks that the console says the data is stale, and where.
async function stale(page) {
  step = 'stale: every system up';
  await page.setViewportSize({ width: 1280, height: 900 });
  await search(page);
  await page.locator('.timeline li.entry').first().waitFor({ state: 'visible', timeout });
  await page.waitForFunction(() => !document.querySelector('#timeline-status')?.textContent?.includes('Loading'), null, { timeout });
  check('nothing is marked stale while every system is up',
    (await page.locator('.fresh.stale, .timeline li.entry.stale, .timeline li.gap').count()) === 0);
  check('the banner stays hidden while every system is up', await page.locator('#partial-banner').isHidden());

  step = 'stale: take the systems down';
  const r = await fetch(downURL, { method: 'POST' });
  check('the systems were taken down', r.status === 204, String(r.status));

  step = 'stale: the customer again';
  await page.reload({ waitUntil: 'load', timeout });
  await page.locator('#profile-title').waitFor({ state: 'visible', timeout });
  const banner = page.locator('#partial-banner');
  const bannerShown = await banner.waitFor({ state: 'visible', timeout }).then(() => true, () => false);
  check('the banner is shown', bannerShown);
  if (bannerShown) {
    const text = (await banner.textContent()) || '';
    check('the banner says the data is stale', /Stale data/.test(text), text);
    for (const sys of staleSystems) {
      const line = (await banner.locator(`.stale-list li[data-source="${sys}"]`).allTextContents()).join(' ');
      check(`the banner says ${sys} is not answering`, /^The .+ is not answering/.test(line), line);
    }
    check('the banner shows no raw error code', !/\b[A-Z]{2,}_[A-Z_]{2,}\b/.test(text));
    check('the banner says how old', /read \d+ (s|min) ago/.test(text), text);
  }
  const profileSource = staleSystems[0];
  const staleRows = await page.locator(`tr[data-source="${profileSource}"] .fresh.stale`).count();
  const freshRows = await page.locator(`tr[data-source="${profileSource}"] .fresh:not(.stale)`).count();
  check(`the profile fields from ${profileSource} are marked Stale`, staleRows > 0 && freshRows === 0, `${staleRows} stale, ${freshRows} fresh`);

  const marker = page.locator(`.timeline li.gap[data-source="${down}"][data-reason="STALE"]`).first();
  const shown = await marker.waitFor({ state: 'visible', timeout }).then(() => true, () => false);
  check(`the timeline marks ${down} as stale`, shown);
  if (shown) {
    const text = (await marker.textContent()) || '';
    check('the stale marker says it in words, without a raw code', /^⏱?Stale: The .+ — its .+ shown as read/.test(text.trim()) && !/\b[A-Z]{2,}_[A-Z_]{2,}\b/.test(text), text);
  }
  const entries = page.locator(`.timeline li.entry[data-source="${down}"]`);
  const n = await entries.count();
  const staleN = await page.locator(`.timeline li.entry.stale[data-source="${down}"]`).count();
  check(`every entry of ${down} is marked stale`, n === staleN, `${staleN} of ${n}`);
  check('no gap says an up system is stale', (await page.locator('.timeline li.gap').evaluateAll(
    (els, systems) => els.every((e) => systems.includes(e.getAttribute('data-source'))), staleSystems)));
  await marker.scrollIntoViewIfNeeded().catch(() => {});
  await shot(page, 'console-stale.png');
}

// submit types a value into the search box and submits it with Enter.
async function submit(page, value) {
  await page.locator('#q').fill(value);
  await page.locator('#q').press('Enter');
}

const statusText = (page) => page.locator('#search-status').textContent().then((t) => t || '');
const waitStatus = (page, re) =>
  page.waitForFunction((src) => new RegExp(src).test(document.getElementById('search-status')?.textContent || ''), re.source, { timeout });

// hold makes the page's /graphql requests that match wait until released,
// as a slow system would; the requests held so far are counted.
async function hold(page, match) {
  let release;
  const gate = new Promise((r) => (release = r));
  const held = { count: 0, done: 0 };
  const handler = async (route) => {
    if (!match(route.request().postDataJSON() || {})) return route.continue();
    held.count++;
    await gate;
    // The page may have aborted it meanwhile: then there is nothing to send.
    await route.continue().catch(() => {});
    held.done++;
  };
  await page.route('**/graphql', handler);
  const waitHeld = async () => {
    for (let i = 0; held.count === 0; i++) {
      if (i * 50 > timeout) throw new Error('no request was held');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const releaseAll = async () => {
    release();
    for (let i = 0; held.done < held.count && i * 50 < timeout; i++) await new Promise((r) => setTimeout(r, 50));
    await page.unroute('**/graphql', handler);
    // What the page would do with a late answer it does at once; a few
    // seconds more are for a slow machine, not a measurement.
    await page.waitForTimeout(3000);
  };
  return { waitHeld, releaseAll };
}

// switchSearch checks that the view belongs to the search shown: a new
// search that finds nobody takes the last customer off the screen, and an
// earlier search's answers, arriving after a newer search answered, are
// dropped (a lookup, then the customer itself).
async function switchSearch(page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await search(page);
  const firstHash = await page.evaluate(() => location.hash);
  const firstTitle = await page.title();
  await page.locator('.timeline li.entry').first().waitFor({ state: 'visible', timeout });

  step = 'switch: a number nobody has';
  await submit(page, stranger);
  await waitStatus(page, /No customer found/);
  const nothingShown = async (what) => {
    check(`${what}: no profile is shown`, (await page.locator('#profile-title').count()) === 0);
    check(`${what}: no timeline entry is shown`, (await page.locator('.timeline li.entry').count()) === 0);
    check(`${what}: no identity, consent or metric is shown`, (await page.locator('#content section').count()) === 0);
    check(`${what}: the banner is hidden`, await page.locator('#partial-banner').isHidden());
    check(`${what}: the address no longer names the last customer`, (await page.evaluate(() => location.hash)) !== firstHash);
    check(`${what}: the tab's title no longer names the last customer`, (await page.title()) !== firstTitle);
  };
  await nothingShown('after "No customer found"');
  await shot(page, 'console-not-found.png');

  step = 'switch: a late lookup of an earlier search';
  const lookups = await hold(page, (b) => /query ConsoleLookup\b/.test(b.query || '') && JSON.stringify(b.variables || {}).includes(JSON.stringify(phone)));
  await submit(page, phone);
  await lookups.waitHeld();
  await submit(page, stranger);
  await waitStatus(page, /No customer found/);
  await lookups.releaseAll();
  check('a late lookup leaves "No customer found" in place', /No customer found/.test(await statusText(page)));
  await nothingShown('after a late lookup of an earlier search');

  step = 'switch: a late customer of an earlier search';
  const firstID = decodeURIComponent(firstHash.replace(/^#\/customer\//, ''));
  const customers = await hold(page, (b) => /query Console360\b/.test(b.query || '') && b.variables?.id === firstID);
  await submit(page, phone);
  await customers.waitHeld();
  await submit(page, otherID);
  const otherHash = `#/customer/${encodeURIComponent(otherID)}`;
  await page.locator('#profile-title').waitFor({ state: 'visible', timeout });
  await page.waitForFunction((h) => location.hash === h, otherHash, { timeout });
  const otherTitle = await page.title();
  const otherGraph = await page.locator('#content svg title').first().textContent();
  await customers.releaseAll();
  check('the newer search\'s customer stays in the address', (await page.evaluate(() => location.hash)) === otherHash);
  check('the newer search\'s customer stays in the title', (await page.title()) === otherTitle);
  check('one customer is shown', (await page.locator('#profile-title').count()) === 1);
  check('the identity graph is the newer customer\'s', (await page.locator('#content svg title').first().textContent()) === otherGraph);
}

// playground opens the gateway's playground, checks that its example tabs
// are the saved operations in their numbers' order, runs the Customer360
// tab against the demo, and takes the README's screenshot.
async function playground(page) {
  step = 'playground';
  const tabs = JSON.parse(process.env.HARMONY_CONSOLE_TABS || '[]');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${origin}/playground`, { waitUntil: 'load', timeout });
  await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor({ state: 'visible', timeout });
  await page.waitForLoadState('networkidle', { timeout }).catch(() => {});
  const shown = (await page.locator('.graphiql-tab .graphiql-tab-button').allInnerTexts()).map((t) => t.trim());
  check('the example tabs are the saved operations, in their numbers\' order', tabs.length > 10 && JSON.stringify(shown) === JSON.stringify(tabs), shown.join(', '));
  step = 'playground: run Customer360';
  const i = shown.indexOf('Customer360');
  check('a Customer360 tab is there', i >= 0);
  if (i < 0) return;
  await page.locator('.graphiql-tab .graphiql-tab-button').nth(i).click({ timeout });
  const answered = page.waitForResponse((r) => r.url().endsWith('/graphql') && /Customer360/.test(r.request().postData() || ''), { timeout });
  await page.getByRole('button', { name: /Execute query/ }).click({ timeout });
  const body = await (await answered).json();
  check('Customer360 answers without error', !body.errors?.length && !!body.data?.customer, (body.errors || []).map((e) => e.extensions?.code).join(', '));
  await page.locator('.graphiql-response .CodeMirror-code').first().waitFor({ state: 'visible', timeout });
  await page.waitForFunction(() => /"customer"/.test(document.querySelector('.graphiql-response')?.textContent || ''), null, { timeout });
  await shot(page, 'playground.png', { fullPage: false });
}

async function a11y(page, context) {
  step = 'accessibility audit';
  // The audit reports every fault of a broken page: it can fail.
  const probe = await context.newPage();
  await probe.setViewportSize({ width: 390, height: 600 });
  await probe.setContent(BROKEN_PAGE);
  const found = await auditPage(probe);
  await probe.close();
  const missed = BROKEN_EXPECTED.filter((want) => !found.some((p) => p.includes(want)));
  check('the audit reports each fault of a broken page', missed.length === 0, `missed ${missed.join('; ')}`);

  // Keyboard: from the top of the page, Tab reaches the search box (after
  // the skip link), which shows a focus ring.
  await page.setViewportSize({ width: 1280, height: 900 });
  let reached = false;
  for (let i = 0; i < 4 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id === 'q');
  }
  check('Tab reaches the search box within four presses', reached);
  const ring = await page.evaluate(() => {
    const st = getComputedStyle(document.activeElement);
    return st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2;
  });
  check('the focused search box shows a focus ring', ring);
  let problems = await auditPage(page);
  check('audit of the empty console at 1280 px', problems.length === 0, problems.join('; '));

  // A search with the keyboard alone.
  await page.keyboard.type(phone);
  await page.keyboard.press('Enter');
  await page.locator('#profile-title').waitFor({ state: 'visible', timeout });
  check('after a search, focus moves to the profile heading', await page.evaluate(() => document.activeElement?.id === 'profile-title'));
  await page.locator('.timeline li.entry').first().waitFor({ state: 'visible', timeout });
  await page.locator('.conversations .conv-toggle').first().waitFor({ state: 'visible', timeout }).catch(() => {});
  problems = await auditPage(page);
  check('audit of a customer at 1280 px', problems.length === 0, problems.join('; '));

  // A conversation opens with the keyboard.
  const toggle = page.locator('.conv-toggle').first();
  if ((await toggle.count()) > 0) {
    await toggle.focus();
    await page.keyboard.press('Enter');
    check('Enter opens a conversation', (await toggle.getAttribute('aria-expanded')) === 'true');
  }

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.documentElement.clientWidth <= 390, null, { timeout });
  problems = await auditPage(page);
  check('audit of a customer at 390 px', problems.length === 0, problems.join('; '));
}

const userDataDir = mkdtempSync(join(tmpdir(), 'harmony-chromium-'));
let context;
let closing = false;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
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
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || '?'}:${e.lineNumber || 0}`);
    });
  });
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (req.method() === 'POST' && u.pathname === '/graphql') {
      try {
        const body = JSON.parse(req.postData() || '{}');
        if (/query ConsoleTimeline\b/.test(body.query || '')) {
          if (body.variables?.after) report.timelinePagesWithCursor = (report.timelinePagesWithCursor || 0) + 1;
        }
      } catch {
        /* not JSON: counted below like any request */
      }
    }
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return;
    report.requests++;
    if (u.origin.replace(/^ws/, 'http') !== origin) report.foreignRequests.push(req.url());
  });
  context.on('requestfailed', (req) => {
    const err = req.failure()?.errorText || '';
    // A subscription stream is aborted when the page leaves a customer.
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
  const csp = response?.headers()['content-security-policy'] || '';
  check('the page has a strict CSP', /default-src 'none'/.test(csp) && /script-src 'self'(;|$)/.test(csp) && !/unsafe/.test(csp), csp);
  await page.locator('#q').waitFor({ state: 'visible', timeout });

  if (mode === 'journey') await journey(page);
  else if (mode === 'gap') await gap(page);
  else if (mode === 'stale') await stale(page);
  else if (mode === 'switch') await switchSearch(page);
  else if (mode === 'playground') await playground(page);
  else if (mode === 'recs') await recs(page);
  else await a11y(page, context);
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
