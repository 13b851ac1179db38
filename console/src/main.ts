// Harmony's Customer 360 console: search a customer by any identifier and
// see them as the whole company knows them. It talks to /graphql like any
// other client.
import './style.css';
import { h, replace } from './dom';
import { AuthError, errorCode, gql, setApiKey, type GqlError } from './graphql';
import {
  BY_ID,
  BY_NAME,
  CONVERSATIONS,
  CUSTOMER,
  LOOKUP,
  SOURCES,
  type Conversation,
  type Customer,
  type CustomerSummary,
} from './queries';
import { analyticsPage } from './views/analytics';
import { Banner, failure } from './views/banner';
import { consentView } from './views/consent';
import { conversationsView } from './views/conversations';
import { identitiesView } from './views/identities';
import { journeysView } from './views/journeys';
import { Live } from './views/live';
import { extraMetrics, metricsView } from './views/metrics';
import { profileView } from './views/profile';
import { loadRecommendations, recommendationsSection } from './views/recommendations';
import { Timeline } from './views/timeline';

interface Source {
  name: string;
  kind: string;
  capabilities: string[];
}

const KINDS: [string, string][] = [
  ['ANY', 'Any identifier'],
  ['EMAIL', 'E-mail'],
  ['PHONE', 'Phone'],
  ['WHATSAPP', 'WhatsApp'],
  ['LOYALTY_CARD', 'Loyalty card'],
  ['EXTERNAL_ID', 'A system’s ID'],
  ['ID', 'Harmony ID (cus_…)'],
  ['NAME', 'Name'],
];

const app = document.getElementById('app') as HTMLElement;
const banner = new Banner();
const searchStatus = h('div', { id: 'search-status', role: 'status', class: 'search-status' });
const content = h('div', { id: 'content', class: 'content' });
const main = h('main', { id: 'main', tabindex: -1 }, banner.el, content);

const q = h('input', {
  id: 'q',
  name: 'q',
  type: 'search',
  autocomplete: 'off',
  spellcheck: 'false',
  required: true,
  'aria-describedby': 'q-hint',
});
const kind = h('select', { id: 'kind', name: 'kind' }, KINDS.map(([v, t]) => h('option', { value: v }, t)));
const system = h('select', { id: 'system', name: 'system' });
const systemField = h('div', { class: 'field', hidden: true }, h('label', { for: 'system' }, 'System'), system);
const form = h(
  'form',
  { class: 'search', role: 'search', 'aria-label': 'Find a customer', novalidate: true },
  h('div', { class: 'field grow' }, h('label', { for: 'q' }, 'Search by identifier'), q, h('span', { id: 'q-hint', class: 'hint' }, 'E-mail, phone, WhatsApp, loyalty card, a system’s ID, a name, or a Harmony ID.')),
  h('div', { class: 'field' }, h('label', { for: 'kind' }, 'Kind'), kind),
  systemField,
  h('div', { class: 'field' }, h('span', { class: 'label-spacer', 'aria-hidden': 'true' }, ' '), h('button', { type: 'submit' }, 'Search')),
);

replace(
  app,
  h(
    'header',
    { class: 'top' },
    h('h1', null, 'Harmony ', h('span', { class: 'sub' }, 'Customer 360')),
    h('nav', { 'aria-label': 'Gateway' }, h('a', { href: '#/analytics', id: 'nav-analytics' }, 'Analytics'), ' · ', h('a', { href: '/playground' }, 'GraphQL playground')),
  ),
  h('div', { class: 'searchbar' }, form, searchStatus),
  main,
);
document.title = 'Harmony · Customer 360';
// The skip link moves focus without touching the URL, which holds the route.
document.querySelector('.skip-link')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});
replace(content, h('p', { class: 'intro' }, 'Find a customer to see their golden profile, identity links, journey across channels, conversations, metrics and consent.'));

// --- Sources, for a system's ID ---------------------------------------------

let sources: Source[] = [];
async function loadSources(): Promise<void> {
  try {
    const r = await gql<{ sources: Source[] }>(SOURCES, {});
    sources = r.data?.sources ?? [];
  } catch {
    sources = [];
  }
  replace(system, sources.map((s) => h('option', { value: s.name }, s.name)));
}
kind.addEventListener('change', () => {
  systemField.hidden = kind.value !== 'EXTERNAL_ID';
});

// --- What the view belongs to ------------------------------------------------

// Every search and every customer opened takes a new view. An answer that
// arrives for an older view (a slow search overtaken by a newer one, a
// customer left before it loaded) is dropped: the screen never shows data
// under a search it does not belong to. Leaving a view also aborts its
// requests.
let view = 0;
let viewAbort = new AbortController();

function newView(): { gen: number; signal: AbortSignal } {
  viewAbort.abort();
  viewAbort = new AbortController();
  view += 1;
  return { gen: view, signal: viewAbort.signal };
}

const isCurrent = (gen: number): boolean => gen === view;

/** clearCustomer takes the last customer off the screen. */
function clearCustomer(): void {
  closeCurrent();
  banner.clear();
  replace(content);
  document.title = 'Harmony · Customer 360';
  if (location.hash.startsWith('#/customer/') || location.hash === '#/analytics') history.pushState(null, '', '#/');
}

// --- Search -----------------------------------------------------------------

function displayName(c: CustomerSummary): string {
  const n = `${c.profile?.givenName?.value ?? ''} ${c.profile?.familyName?.value ?? ''}`.trim();
  return n || 'Unnamed customer';
}

type Lookup = { kind: string; value: string; system?: string };

async function lookup(ids: Lookup[], signal: AbortSignal): Promise<{ found: CustomerSummary[]; errors: GqlError[] }> {
  // One request per identifier: a value that is not of a kind (a name is no
  // phone number) is refused on its own without hiding the others.
  const results = await Promise.all(
    ids.map((id) => gql<{ customersByIdentifiers: (CustomerSummary | null)[] }>(LOOKUP, { identifiers: [id] }, signal)),
  );
  const found: CustomerSummary[] = [];
  const errors: GqlError[] = [];
  for (const r of results) {
    for (const c of r.data?.customersByIdentifiers ?? []) if (c) found.push(c);
    errors.push(...r.errors.filter((e) => errorCode(e) !== 'BAD_USER_INPUT'));
  }
  return { found, errors };
}

async function search(value: string, k: string): Promise<void> {
  const v = value.trim();
  if (!v) {
    searchStatus.textContent = 'Type an identifier to search.';
    q.focus();
    return;
  }
  // A new search takes the last customer off the screen at once, and its
  // answers are its own: an earlier search's, arriving late, are dropped.
  const { gen, signal } = newView();
  clearCustomer();
  searchStatus.textContent = 'Searching…';
  const found: CustomerSummary[] = [];
  const errors: GqlError[] = [];
  const add = (r: { found: CustomerSummary[]; errors: GqlError[] }) => {
    found.push(...r.found);
    errors.push(...r.errors);
  };
  const lookupSystems = sources.filter((s) => s.capabilities.includes('lookup') || s.capabilities.includes('profiles'));
  try {
    if (k === 'ID' || (k === 'ANY' && /^cus_[A-Za-z0-9]+$/.test(v))) {
      const r = await gql<{ customer: CustomerSummary | null }>(BY_ID, { id: v }, signal);
      if (r.data?.customer) found.push(r.data.customer);
      errors.push(...r.errors);
    } else if (k === 'NAME') {
      const r = await gql<{ customers: { edges: { node: CustomerSummary }[] } }>(BY_NAME, { prefix: v }, signal);
      found.push(...(r.data?.customers.edges.map((e) => e.node) ?? []));
      errors.push(...r.errors);
    } else if (k === 'EXTERNAL_ID') {
      add(await lookup([{ kind: 'EXTERNAL_ID', value: v, system: system.value }], signal));
    } else if (k !== 'ANY') {
      add(await lookup([{ kind: k, value: v }], signal));
    } else if (v.includes('@')) {
      add(await lookup([{ kind: 'EMAIL', value: v }], signal));
    } else if (/^\+?[\d\s().\-/]{6,}$/.test(v)) {
      add(await lookup([{ kind: 'PHONE', value: v }, { kind: 'WHATSAPP', value: v }, ...lookupSystems.map((s) => ({ kind: 'EXTERNAL_ID', value: v, system: s.name }))], signal));
    } else {
      add(await lookup([{ kind: 'LOYALTY_CARD', value: v }, ...lookupSystems.map((s) => ({ kind: 'EXTERNAL_ID', value: v, system: s.name }))], signal));
      if (/^\p{L}[\p{L}' -]{1,39}$/u.test(v)) {
        const r = await gql<{ customers: { edges: { node: CustomerSummary }[] } }>(BY_NAME, { prefix: v }, signal);
        found.push(...(r.data?.customers.edges.map((e) => e.node) ?? []));
        errors.push(...r.errors.filter((e) => errorCode(e) !== 'BAD_USER_INPUT'));
      }
    }
  } catch (e) {
    if (!isCurrent(gen)) return;
    if (e instanceof AuthError) {
      askForKey(() => void search(value, k));
      return;
    }
    searchStatus.textContent = `The search failed: ${e instanceof Error ? e.message : String(e)}`;
    return;
  }
  if (!isCurrent(gen)) return;
  const unique = [...new Map(found.map((c) => [c.id, c])).values()];
  const problems = errors.length ? ` (some systems could not be searched: ${[...new Set(errors.map((e) => failure(e).replace(/^The /, 'the ')))].join('; ')})` : '';
  if (unique.length === 0) {
    searchStatus.textContent = `No customer found${problems}.`;
    return;
  }
  if (unique.length === 1) {
    searchStatus.textContent = `Found ${displayName(unique[0])}${problems}.`;
    void openCustomer(unique[0].id, true, gen);
    return;
  }
  searchStatus.replaceChildren(
    h('p', null, `${unique.length} customers match${problems}; choose one:`),
    h(
      'ul',
      { class: 'results' },
      unique.map((c) =>
        h(
          'li',
          null,
          h('a', { href: `#/customer/${encodeURIComponent(c.id)}` }, displayName(c)),
          h('span', { class: 'muted' }, ` · ${c.profile?.city?.value ?? ''} · ${c.id}`),
        ),
      ),
    ),
  );
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void search(q.value, kind.value);
});

// --- Credentials, for a gateway that asks for them -------------------------

function askForKey(retry: () => void): void {
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off' });
  const f = h(
    'form',
    { class: 'card key-form' },
    h('h2', null, 'This gateway needs an API key'),
    h('p', null, 'It is kept in this browser tab only, and sent with each request as X-API-Key.'),
    h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), input),
    h('button', { type: 'submit' }, 'Use this key'),
  );
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setApiKey(input.value.trim());
    retry();
  });
  replace(content, f);
  input.focus();
}

// --- One customer -------------------------------------------------------------

let current: { id: string; timeline: Timeline; live: Live } | null = null;

function closeCurrent(): void {
  current?.timeline.stop();
  current?.live.close();
  current = null;
}

/**
 * openCustomer shows one customer. A search that found them hands over its
 * view (searchGen), so that a newer search still drops this one.
 */
async function openCustomer(id: string, focus: boolean, searchGen?: number): Promise<void> {
  if (searchGen !== undefined && !isCurrent(searchGen)) return;
  const { gen, signal } = newView();
  const target = `#/customer/${encodeURIComponent(id)}`;
  if (location.hash !== target) {
    history.pushState(null, '', target);
  }
  closeCurrent();
  banner.clear();
  replace(content, h('p', { class: 'loading', role: 'status' }, 'Loading the customer…'));
  let cust: Customer | null = null;
  let convs: Conversation[] | null = null;
  let convMore = false;
  try {
    const [r, cr] = await Promise.all([
      gql<{ customer: Customer | null }>(CUSTOMER, { id }, signal),
      gql<{ customer: { conversations: { edges: { node: Conversation }[]; pageInfo: { hasNextPage: boolean } } } | null }>(CONVERSATIONS, { id, after: null }, signal),
    ]);
    if (!isCurrent(gen)) return;
    if (r.errors.length) banner.add('Customer', r.errors);
    if (cr.errors.length) banner.add('Conversations', cr.errors);
    banner.staleFrom('Customer', r.stale);
    banner.staleFrom('Conversations', cr.stale);
    cust = r.data?.customer ?? null;
    convs = cr.data?.customer?.conversations.edges.map((e) => e.node) ?? null;
    convMore = cr.data?.customer?.conversations.pageInfo.hasNextPage ?? false;
  } catch (e) {
    if (!isCurrent(gen)) return;
    if (e instanceof AuthError) {
      askForKey(() => void openCustomer(id, focus));
      return;
    }
    banner.fail('Customer', e);
    replace(content, h('p', null, 'The customer could not be loaded.'));
    return;
  }
  if (!cust) {
    replace(content, h('p', null, 'No customer has this ID.'));
    return;
  }
  const name = `${cust.profile?.givenName?.value ?? ''} ${cust.profile?.familyName?.value ?? ''}`.trim();
  // The timeline, live updates and extra figures report to the banner only
  // while this customer is the one shown.
  const timeline = new Timeline(
    id,
    (w, errs) => isCurrent(gen) && banner.add(w, errs),
    (w, err) => isCurrent(gen) && banner.fail(w, err),
    (w, entries, gaps) => {
      if (!isCurrent(gen)) return;
      banner.staleFrom(w, entries);
      const now = Date.now();
      banner.stale(
        w,
        gaps.map((g) => ({
          connector: g.source,
          capability: g.capability,
          code: g.code,
          ageSeconds: g.fetchedAt ? Math.max(0, (now - new Date(g.fetchedAt).getTime()) / 1000) : 0,
        })),
      );
    },
  );
  const live = new Live(id, (e) => timeline.live(e), (w, errs) => isCurrent(gen) && banner.add(w, errs));
  current = { id, timeline, live };
  const metrics = metricsView(cust);
  const recs = recommendationsSection();
  replace(
    content,
    h(
      'div',
      { class: 'grid' },
      h('div', { class: 'col col-a' }, profileView(cust), identitiesView(cust.identities, name), consentView(cust.consents), recs),
      h(
        'div',
        { class: 'col col-b' },
        timeline.el,
        conversationsView(convs, convMore),
        journeysView(
          id,
          (errs) => isCurrent(gen) && banner.add('Journeys', errs),
          (err) => isCurrent(gen) && banner.fail('Journeys', err),
        ),
        live.el,
      ),
      h('div', { class: 'col col-wide' }, metrics),
    ),
  );
  document.title = `${name || id} · Harmony Customer 360`;
  timeline.start();
  live.start();
  void loadRecommendations(id, recs, signal)
    .then((errs) => {
      if (errs.length && isCurrent(gen)) banner.add('Recommendations', errs);
    })
    .catch(() => {});
  const extra = metrics.querySelector<HTMLElement>('#extra-metrics');
  if (extra) {
    void extraMetrics(id, extra)
      .then((errs) => {
        if (errs.length && isCurrent(gen)) banner.add('More figures', errs);
      })
      .catch(() => {});
  }
  if (focus) (document.getElementById('profile-title') as HTMLElement | null)?.focus();
}

// --- Analytics ---------------------------------------------------------------

/** openAnalytics shows the figures over every customer (views/analytics.ts). */
async function openAnalytics(): Promise<void> {
  const { gen, signal } = newView();
  closeCurrent();
  banner.clear();
  document.title = 'Analytics · Harmony Customer 360';
  try {
    await analyticsPage(content, signal, (errs) => isCurrent(gen) && banner.add('Analytics', errs));
  } catch (e) {
    if (!isCurrent(gen)) return;
    if (e instanceof AuthError) {
      askForKey(() => void openAnalytics());
      return;
    }
    banner.fail('Analytics', e);
    return;
  }
  if (isCurrent(gen)) (document.getElementById('analytics-title') as HTMLElement | null)?.focus();
}

function route(): void {
  if (!location.hash.startsWith('#/') && location.hash !== '') return;
  if (location.hash === '#/analytics') {
    void openAnalytics();
    return;
  }
  const m = /^#\/customer\/([^/]+)$/.exec(location.hash);
  if (m) {
    const id = decodeURIComponent(m[1]);
    if (current?.id !== id) void openCustomer(id, false);
  } else if (current) {
    newView();
    clearCustomer();
  }
}

window.addEventListener('popstate', route);
window.addEventListener('hashchange', route);
void loadSources().then(route);
