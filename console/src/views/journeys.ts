// A customer's automated journey runs (docs/automation.md): each run with
// its journey, where it is (waiting, sent on a channel, skipped and why)
// and when. The section loads on its own, so a failure leaves the rest of
// the customer in place.
import { chip } from '../channels';
import { h, label, replace, section, time } from '../dom';
import { gql, type GqlError } from '../graphql';
import { JOURNEY_RUNS, type JourneyRun } from '../queries';

const REASONS: Record<string, string> = {
  consent: 'no consent for the purpose on the channels',
  cap: 'frequency cap reached',
  unreachable: 'no system reaches the customer on the channels',
  failed: 'the system refused the send',
  segment: 'not in the segment',
  metric: 'a metric condition not met',
  customer_gone: 'customer unknown or erased',
  disabled: 'journey disabled',
};

function run(r: JourneyRun): HTMLElement {
  let what: (Node | string | null)[];
  if (r.status === 'SENT') {
    what = [r.channel ? chip(r.channel) : null, ` via ${r.source ?? '?'} · `, time(r.doneAt)];
  } else if (r.status === 'SKIPPED') {
    what = [`Skipped: ${REASONS[r.reason ?? ''] ?? r.reason ?? ''} · `, time(r.doneAt)];
  } else {
    what = ['Due ', time(r.dueAt)];
  }
  return h(
    'li',
    { class: 'journey-run', 'data-run': r.id, 'data-journey': r.journeyId, 'data-status': r.status },
    h(
      'div',
      { class: 'entry-head' },
      h('span', { class: 'kind' }, r.journeyId),
      h('span', { class: `badge badge-${r.status.toLowerCase()}` }, label(r.status)),
      r.convertedAt ? h('span', { class: 'badge badge-converted' }, 'Converted') : null,
    ),
    r.journey?.description ? h('div', { class: 'summary' }, r.journey.description) : null,
    h('div', { class: 'muted small' }, ...what, ' · triggered ', time(r.triggeredAt)),
  );
}

/**
 * journeysView returns the customer's journey runs section, filled when its
 * query answers; errors go to onErrors, a failure to onFail.
 */
export function journeysView(
  id: string,
  onErrors: (errs: GqlError[]) => void,
  onFail: (err: unknown) => void,
): HTMLElement {
  const body = h('div', { class: 'journey-runs-body' }, h('p', { class: 'loading muted' }, 'Loading journey runs…'));
  const el = section('journeys', 'Automated journeys', body);
  void gql<{ customer: { journeyRuns: { edges: { node: JourneyRun }[]; pageInfo: { hasNextPage: boolean } } } | null }>(JOURNEY_RUNS, { id, after: null })
    .then((r) => {
      if (r.errors.length) onErrors(r.errors);
      const conn = r.data?.customer?.journeyRuns;
      if (!conn) {
        replace(body, h('p', { class: 'muted' }, 'Journey runs could not be read.'));
        return;
      }
      const runs = conn.edges.map((e) => e.node);
      replace(
        body,
        h('p', { class: 'muted small' }, 'What the configured journeys did for this customer, newest first: once per trigger.'),
        runs.length ? h('ul', { class: 'journey-runs' }, runs.map(run)) : h('p', { class: 'muted' }, 'No journey has run for this customer.'),
        conn.pageInfo.hasNextPage ? h('p', { class: 'muted small' }, 'Older runs are not shown.') : null,
      );
    })
    .catch((e) => {
      replace(body, h('p', { class: 'muted' }, 'Journey runs could not be read.'));
      onFail(e);
    });
  return el;
}
