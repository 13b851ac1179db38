// Consent status: the standing record per purpose and channel.
import { h, label, section, time } from '../dom';
import { channelName } from '../channels';
import type { Consent } from '../queries';

const PURPOSES = ['MARKETING', 'SERVICE', 'ANALYTICS', 'PERSONALIZATION'];

export function consentView(consents: Consent[] | null): HTMLElement {
  if (consents === null) {
    return section('consent', 'Consent', h('p', { class: 'muted' }, 'Consent could not be read.'));
  }
  const byPurpose = new Map<string, Consent[]>();
  for (const c of consents) byPurpose.set(c.purpose, [...(byPurpose.get(c.purpose) ?? []), c]);
  const rows = PURPOSES.map((purpose) => {
    const recs = byPurpose.get(purpose) ?? [];
    if (recs.length === 0) {
      return h('tr', { 'data-purpose': purpose }, h('th', { scope: 'row' }, label(purpose)), h('td', null, 'All'), h('td', null, h('span', { class: 'status status-none' }, '– Not recorded')), h('td', { class: 'muted' }, '—'));
    }
    return recs.map((c) =>
      h(
        'tr',
        { 'data-purpose': purpose },
        h('th', { scope: 'row' }, label(purpose)),
        h('td', null, c.channel ? channelName(c.channel) : 'All'),
        h('td', null, h('span', { class: `status status-${c.status.toLowerCase()}` }, c.status === 'GRANTED' ? '✓ Granted' : '✗ Withdrawn')),
        h('td', null, c.source, h('br'), time(c.recordedAt, true)),
      ),
    );
  });
  return section(
    'consent',
    'Consent',
    h(
      'table',
      { class: 'consent-table' },
      h('caption', { class: 'sr-only' }, 'Consent per purpose and channel'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Purpose'), h('th', { scope: 'col' }, 'Channel'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Collected'))),
      h('tbody', null, rows),
    ),
    h('p', { class: 'muted small' }, 'A purpose with no record counts as not consented. The newest record per purpose and channel stands.'),
  );
}
