// The analytics page: figures over every customer, or a saved segment's
// members, from the gateway's analytics projection: cohort heat map,
// retention curve, NPS trend, channel mix, first response and campaigns.
import { channelColor, channelName } from '../channels';
import { ago, duration, h, replace, section, time } from '../dom';
import { gql, type GqlError } from '../graphql';
import { ANALYTICS, type Analytics } from '../queries';
import { chart, heatmap, type HeatRow } from './charts';

/** The most cohorts and months after shown in the heat map: the latest. */
const HEAT_ROWS = 12;
const HEAT_COLUMNS = 12;

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);
const num = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? '—' : v.toFixed(digits));

interface Segment {
  id: string;
  name: string;
  count: number;
}

/** figure is one labelled key figure. */
function figure(id: string, label: string, value: string, note?: string): HTMLElement {
  return h('div', { class: 'figure', id }, h('dt', null, label), h('dd', null, h('span', { class: 'big' }, value), note ? h('span', { class: 'muted small' }, ` ${note}`) : null));
}

function freshness(a: Analytics): HTMLElement {
  const f = a.freshness;
  const parts: (Node | string)[] = [];
  if (!f.builtAt) {
    parts.push('The figures are not ready: the gateway is still reading the systems for the first time.');
  } else {
    parts.push('Systems read ', time(f.builtAt), ` (${ago(f.builtAt)}); `);
    parts.push(`${f.eventsSinceBuild} live ${f.eventsSinceBuild === 1 ? 'event' : 'events'} since`);
    if (f.lastEventAt) parts.push(', the last ', time(f.lastEventAt));
    parts.push('. Computed ', time(f.computedAt), '.');
  }
  if (f.failedSources.length) parts.push(` Not read in the last pass: ${f.failedSources.join(', ')} (previous figures kept).`);
  if (f.missingCustomers) parts.push(` ${f.missingCustomers} members linked since are not counted yet.`);
  return h('p', { id: 'analytics-freshness', class: 'muted small', 'data-complete': f.complete }, f.complete ? null : h('strong', { class: 'warn-inline' }, 'Incomplete. '), parts);
}

function summary(a: Analytics): HTMLElement {
  return h(
    'dl',
    { class: 'figures', id: 'analytics-kpis' },
    figure('kpi-customers', 'Customers', String(a.customers)),
    figure('kpi-buyers', 'Buyers', String(a.buyers)),
    figure('kpi-repeat', 'Repeat purchase rate', pct(a.repeatPurchaseRate), `(${a.repeatBuyers} bought twice or more)`),
    figure('kpi-nps', 'NPS', num(a.nps.score), `(${a.nps.respondents} respondents)`),
    figure('kpi-csat', 'CSAT satisfied', pct(a.csat.satisfiedShare), `(${a.csat.ratings} ratings)`),
    figure('kpi-engagement', 'Mean engagement', num(a.engagement.mean), '/ 100'),
    figure('kpi-churn', 'Churn risk', `${a.churn.high} high`, `· ${a.churn.medium} medium · ${a.churn.low} low`),
  );
}

function cohorts(a: Analytics): HTMLElement {
  const latest = a.cohorts.slice(-HEAT_ROWS);
  const columns = Array.from({ length: Math.min(HEAT_COLUMNS, Math.max(0, ...latest.map((c) => c.retention.length))) }, (_, i) => String(i));
  const rows: HeatRow[] = latest.map((c) => ({
    label: c.month,
    size: c.customers,
    cells: columns.map((_, k) => (k < c.retention.length ? c.retention[k].rate : null)),
  }));
  return section(
    'analytics-cohorts',
    'Cohorts and retention',
    h('p', { class: 'muted' }, 'Buyers by the month of their first order, and the share who ordered again each month after (month 0 is the first).'),
    h(
      'div',
      { class: 'charts' },
      heatmap({ id: 'cohort-heatmap', title: `Retention by cohort, % (latest ${latest.length} cohorts)`, columns, rows }),
      chart({
      id: 'retention-curve',
      title: 'Retention curve: share of buyers ordering n months after their first order',
      unit: '%',
      color: '#1d4ed8',
      kind: 'line',
      points: a.retention.slice(0, 13).map((p) => ({ label: String(p.monthsAfter), value: p.customers ? (100 * p.active) / p.customers : null })),
      format: (v) => v.toFixed(0),
      }),
    ),
  );
}

function nps(a: Analytics): HTMLElement {
  return section(
    'analytics-nps',
    'NPS trend',
    chart({
      id: 'nps-trend',
      title: 'Net Promoter Score by month of answer',
      unit: 'NPS',
      color: '#047857',
      kind: 'line',
      points: a.npsTrend.slice(-24).map((m) => ({ label: m.month, value: m.score })),
      format: (v) => v.toFixed(0),
    }),
    h('p', { class: 'muted' }, `${a.nps.promoters} promoters, ${a.nps.passives} passives, ${a.nps.detractors} detractors (each customer's latest answer).`),
  );
}

function channels(a: Analytics): HTMLElement {
  const mix = a.channelMix;
  return section(
    'analytics-channels',
    'Channel mix',
    chart({
      id: 'channel-mix',
      title: 'Contacts customers started in the last 365 days, by channel',
      unit: 'contacts',
      color: mix.length ? channelColor(mix[0].channel) : '#1d4ed8',
      kind: 'bar',
      points: mix.map((c) => ({ label: channelName(c.channel), value: c.contacts })),
    }),
    h(
      'div',
      { class: 'table-wrap' },
      h(
      'table',
      { id: 'first-response' },
      h('caption', null, 'First response by channel'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Channel'), h('th', { scope: 'col' }, 'Answered'), h('th', { scope: 'col' }, 'Mean wait'))),
      h(
        'tbody',
        null,
        a.firstResponseByChannel.map((c) => h('tr', null, h('th', { scope: 'row' }, channelName(c.channel)), h('td', null, String(c.answered)), h('td', null, duration(c.averageSeconds)))),
      ),
      ),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
      'table',
      { id: 'campaigns' },
      h('caption', null, `Conversion by campaign (order within ${a.conversionWindowDays} days), most touched`),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Campaign'), h('th', { scope: 'col' }, 'Touched'), h('th', { scope: 'col' }, 'Converted'), h('th', { scope: 'col' }, 'Rate'))),
      h(
        'tbody',
        null,
        a.conversionByCampaign.slice(0, 10).map((c) => h('tr', null, h('th', { scope: 'row' }, c.campaignId), h('td', null, String(c.touched)), h('td', null, String(c.converted)), h('td', null, pct(c.rate)))),
      ),
      ),
    ),
  );
}

/**
 * analyticsPage renders the page into container: a segment chooser and the
 * figures, reloaded when the segment changes. Errors go to report; the
 * promise ends when the first figures are shown.
 */
export async function analyticsPage(container: HTMLElement, signal: AbortSignal, report: (errors: GqlError[]) => void): Promise<void> {
  const select = h('select', { id: 'analytics-segment', name: 'segment' }, h('option', { value: '' }, 'Every customer'));
  const body = h('div', { id: 'analytics-body', class: 'grid' });
  const head = section(
    'analytics',
    'Analytics',
    h('div', { class: 'field' }, h('label', { for: 'analytics-segment' }, 'Customers counted'), select),
    h('div', { id: 'analytics-summary' }, h('p', { class: 'loading', role: 'status' }, 'Loading the figures…')),
  );
  replace(container, h('div', { class: 'grid' }, h('div', { class: 'col col-wide' }, head)), body);
  let filled = false;
  const load = async (segment: string | null): Promise<void> => {
    const r = await gql<{ analytics: Analytics; segments: Segment[] }>(ANALYTICS, { segment }, signal);
    if (signal.aborted) return;
    if (r.errors.length) report(r.errors);
    if (!filled && r.data?.segments) {
      filled = true;
      select.append(...r.data.segments.map((sg) => h('option', { value: sg.id }, `${sg.name} (${sg.count})`)));
    }
    const a = r.data?.analytics;
    const target = head.querySelector('#analytics-summary') as HTMLElement;
    if (!a) {
      replace(target, h('p', null, 'The figures could not be loaded.'));
      replace(body);
      return;
    }
    replace(target, freshness(a), summary(a));
    replace(body, h('div', { class: 'col col-wide' }, cohorts(a)), h('div', { class: 'col' }, nps(a)), h('div', { class: 'col' }, channels(a)));
  };
  select.addEventListener('change', () => void load(select.value || null).catch(() => {}));
  await load(null);
}
