// Metric figures and charts: orders and spend over time computed from the
// customer's orders, first-response times from its interactions, the
// gateway's own figures, and any further figure the schema offers on
// CustomerMetrics (NPS, CSAT…), discovered by introspection so the console
// keeps working whatever fields a gateway version has.
import { channelName } from '../channels';
import { ago, duration, h, label, section, time } from '../dom';
import { gql, type GqlError } from '../graphql';
import type { Customer, Money } from '../queries';
import { chart, monthOf, months, type Point } from './charts';

function money(m: Money): string {
  const n = Number(m.amount);
  if (!Number.isFinite(n)) return `${m.amount} ${m.currency}`;
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: m.currency }).format(n);
  } catch {
    return `${n.toFixed(2)} ${m.currency}`;
  }
}

function figure(name: string, value: string | HTMLElement, note?: string | HTMLElement): HTMLElement {
  return h('div', { class: 'figure' }, h('dt', null, name), h('dd', null, h('span', { class: 'big' }, value), note ? h('span', { class: 'muted small' }, note) : null));
}

export function metricsView(c: Customer): HTMLElement {
  const m = c.metrics;
  const orders = c.orders ?? [];
  const inter = c.interactions ?? [];
  const figs: HTMLElement[] = [];
  if (m) {
    figs.push(figure('Orders', String(m.orderCount)));
    figs.push(figure('Total spent', m.totalSpent.length ? m.totalSpent.map(money).join(' + ') : '—', 'refunds excluded'));
    figs.push(figure('First response', duration(m.averageFirstResponseSeconds), 'mean'));
    figs.push(figure('Last contact', m.lastContactChannel ? channelName(m.lastContactChannel) : '—', m.lastContactAt ? time(m.lastContactAt, true) : undefined));
  }

  // Orders and spend per month, refunded orders excluded from spend, in the
  // currency most orders use.
  const span = months(orders.map((o) => o.placedAt));
  const count = new Map<string, number>();
  const spend = new Map<string, number>();
  const currencies = new Map<string, number>();
  for (const o of orders) currencies.set(o.total.currency, (currencies.get(o.total.currency) ?? 0) + 1);
  const currency = [...currencies.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'EUR';
  for (const o of orders) {
    const k = monthOf(o.placedAt);
    count.set(k, (count.get(k) ?? 0) + 1);
    const amount = Number(o.total.amount);
    if (o.status !== 'refunded' && o.total.currency === currency && Number.isFinite(amount)) spend.set(k, (spend.get(k) ?? 0) + amount);
  }
  const ordersPts: Point[] = span.map((k) => ({ label: k, value: count.get(k) ?? 0 }));
  const spendPts: Point[] = span.map((k) => ({ label: k, value: spend.get(k) ?? 0 }));

  // First-response time per month, in hours, over the answered contacts.
  const resp = new Map<string, number[]>();
  for (const i of inter) {
    if (!i.firstResponseAt) continue;
    const secs = (new Date(i.firstResponseAt).getTime() - new Date(i.occurredAt).getTime()) / 1000;
    if (!Number.isFinite(secs) || secs < 0) continue;
    const k = monthOf(i.occurredAt);
    resp.set(k, [...(resp.get(k) ?? []), secs / 3600]);
  }
  const respSpan = months([...resp.keys()].map((k) => `${k}-01T00:00:00Z`));
  const respPts: Point[] = respSpan.map((k) => {
    const v = resp.get(k);
    return { label: k, value: v ? v.reduce((a, b) => a + b, 0) / v.length : null };
  });

  return section(
    'metrics',
    'Metrics',
    m
      ? h(
          'p',
          { class: 'muted small' },
          `Computed ${ago(m.computedAt)}`,
          m.complete ? '.' : h('strong', { class: 'warn-inline' }, ' · incomplete: a system failed or a limit cut the data.'),
        )
      : h('p', { class: 'muted' }, 'The gateway’s figures could not be read.'),
    h('dl', { class: 'figures' }, figs),
    h(
      'div',
      { class: 'charts' },
      chart({ id: 'chart-orders', title: 'Orders per month', unit: 'orders', color: '#1d4ed8', points: ordersPts, kind: 'bar' }),
      chart({ id: 'chart-spend', title: `Spend per month (${currency})`, unit: currency, color: '#166534', points: spendPts, kind: 'bar', format: (v) => v.toFixed(0) }),
      chart({ id: 'chart-response', title: 'Mean first-response time per month', unit: 'hours', color: '#6b21a8', points: respPts, kind: 'line' }),
    ),
    h('div', { class: 'extra-metrics', id: 'extra-metrics' }),
  );
}

// --- Optional figures, discovered from the schema ---------------------------

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}

interface FieldDef {
  name: string;
  description: string | null;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}

const TYPE_FIELDS = /* GraphQL */ `
query ConsoleMetricsType($name: String!) {
  __type(name: $name) {
    fields {
      name description
      args { name type { kind name ofType { kind name } } }
      type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
    }
  }
}`;

/** Fields the main query already shows. */
const KNOWN = new Set(['orderCount', 'totalSpent', 'lastContactChannel', 'lastContactAt', 'averageFirstResponseSeconds', 'computedAt', 'complete']);
const NUMERIC = new Set(['Int', 'Float']);

function unwrap(t: TypeRef): { list: boolean; named: TypeRef } {
  let list = false;
  let cur: TypeRef = t;
  while (cur.ofType && (cur.kind === 'NON_NULL' || cur.kind === 'LIST')) {
    if (cur.kind === 'LIST') list = true;
    cur = cur.ofType;
  }
  return { list, named: cur };
}

async function typeFields(name: string): Promise<FieldDef[]> {
  const r = await gql<{ __type: { fields: FieldDef[] | null } | null }>(TYPE_FIELDS, { name });
  return r.data?.__type?.fields ?? [];
}

interface Trend {
  path: string[]; // from CustomerMetrics to the list
  timeField: string;
  valueField: string;
}

interface Group {
  path: string[]; // empty for CustomerMetrics' own scalars
  scalars: FieldDef[];
}

function words(name: string): string {
  const w = label(name.replace(/([a-z0-9])([A-Z])/g, '$1_$2'));
  return w.replace(/^(Csat|Nps)\b/, (m) => m.toUpperCase());
}

function noArgs(f: FieldDef): boolean {
  return !f.args.some((a) => a.type.kind === 'NON_NULL');
}

function numeric(f: FieldDef): boolean {
  const u = unwrap(f.type);
  return !u.list && u.named.kind === 'SCALAR' && NUMERIC.has(u.named.name ?? '');
}

/** trendOf says whether objects of a type carry a time and a number. */
async function trendOf(typeName: string): Promise<{ timeField: string; valueField: string } | null> {
  const sub = await typeFields(typeName).catch(() => [] as FieldDef[]);
  const timeField = sub.find((s) => unwrap(s.type).named.name === 'DateTime' && !unwrap(s.type).list && s.args.length === 0)?.name;
  // A survey answer or a rating: a number named like one, not a count.
  const valueField = sub.find((s) => numeric(s) && s.args.length === 0 && /score|rating|value/i.test(s.name))?.name;
  return timeField && valueField ? { timeField, valueField } : null;
}

function format(name: string, v: number): string {
  if (/Seconds$/.test(name)) return duration(v);
  if (/share|rate/i.test(name) && v <= 1) return `${Math.round(v * 100)}%`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/**
 * extraMetrics fills el with the CustomerMetrics figures this console does
 * not know by name, discovered by introspection: numeric scalars as
 * figures, objects of numbers (a score summary) as a group of figures, and
 * lists of objects with a time and a number (survey answers, say) as trend
 * charts, on CustomerMetrics or one object below it. Fields that take
 * required arguments are skipped. Without introspection, or on any failure,
 * el stays empty: the core figures do not depend on it. Returns the errors
 * of the data query.
 */
export async function extraMetrics(id: string, el: HTMLElement): Promise<GqlError[]> {
  let fields: FieldDef[];
  try {
    fields = await typeFields('CustomerMetrics');
  } catch {
    return [];
  }
  const groups: Group[] = [{ path: [], scalars: [] }];
  const trends: Trend[] = [];
  for (const f of fields) {
    if (KNOWN.has(f.name) || !noArgs(f)) continue;
    const { list, named } = unwrap(f.type);
    if (numeric(f)) groups[0].scalars.push(f);
    else if (named.kind === 'OBJECT' && named.name && list) {
      const tr = await trendOf(named.name);
      if (tr) trends.push({ path: [f.name], ...tr });
    } else if (named.kind === 'OBJECT' && named.name) {
      const sub = await typeFields(named.name).catch(() => [] as FieldDef[]);
      const g: Group = { path: [f.name], scalars: sub.filter((s) => numeric(s) && noArgs(s)) };
      if (g.scalars.length) groups.push(g);
      for (const s of sub) {
        const u = unwrap(s.type);
        if (u.list && u.named.kind === 'OBJECT' && u.named.name && noArgs(s)) {
          const tr = await trendOf(u.named.name);
          if (tr) trends.push({ path: [f.name, s.name], ...tr });
        }
      }
    }
  }
  // The selection, as a tree of field names.
  type Tree = Map<string, Tree>;
  const tree: Tree = new Map();
  const add = (path: string[]) => {
    let node = tree;
    for (const p of path) {
      if (!node.has(p)) node.set(p, new Map());
      node = node.get(p) as Tree;
    }
  };
  for (const g of groups) for (const s of g.scalars) add([...g.path, s.name]);
  for (const tr of trends) {
    add([...tr.path, tr.timeField]);
    add([...tr.path, tr.valueField]);
  }
  if (tree.size === 0) return [];
  const render = (node: Tree): string => [...node.entries()].map(([k, sub]) => (sub.size ? `${k} { ${render(sub)} }` : k)).join(' ');
  const r = await gql<{ customer: { metrics: Record<string, unknown> } | null }>(
    `query ConsoleExtraMetrics($id: ID!) { customer(id: $id) { metrics { ${render(tree)} } } }`,
    { id },
  );
  const m = r.data?.customer?.metrics;
  if (!m) return r.errors;
  const at = (path: string[]): unknown => path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), m);

  const figs: HTMLElement[] = [];
  for (const g of groups) {
    const vals = g.scalars.map((s) => ({ s, v: at([...g.path, s.name]) })).filter((x): x is { s: FieldDef; v: number } => typeof x.v === 'number');
    if (vals.length === 0) continue;
    if (g.path.length === 0) {
      for (const { s, v } of vals) figs.push(figure(words(s.name), format(s.name, v)));
    } else {
      const main = vals.find((x) => x.s.name === 'mean') ?? vals[0];
      const rest = vals.filter((x) => x !== main).map((x) => `${words(x.s.name).toLowerCase()} ${format(x.s.name, x.v)}`).join(' · ');
      figs.push(figure(`${words(g.path.join('_'))} ${main.s.name === 'mean' ? '(mean)' : words(main.s.name).toLowerCase()}`, format(main.s.name, main.v), rest || undefined));
    }
  }
  const charts = trends.map((tr) => {
    const rows = Array.isArray(at(tr.path)) ? (at(tr.path) as Record<string, unknown>[]) : [];
    const pts = rows
      .filter((row) => typeof row[tr.timeField] === 'string' && typeof row[tr.valueField] === 'number')
      .map((row) => ({ t: row[tr.timeField] as string, v: row[tr.valueField] as number }))
      .sort((a, b) => a.t.localeCompare(b.t))
      .map((p) => ({ label: p.t.slice(0, 10), value: p.v }));
    const name = words(tr.path[0]);
    return chart({ id: `chart-${tr.path.join('-')}`, title: `${name} trend (${words(tr.valueField).toLowerCase()} per answer)`, unit: tr.valueField, color: '#9a3412', points: pts, kind: 'line' });
  });
  el.replaceChildren(
    h('h3', null, 'More figures'),
    figs.length ? h('dl', { class: 'figures' }, figs) : '',
    charts.length ? h('div', { class: 'charts' }, charts) : '',
  );
  return r.errors;
}
