// A conversation's transcript: its messages across channels, oldest first,
// each with who wrote it (customer, agent or bot), the channel and the time.
import { chip } from '../channels';
import { h, label, time } from '../dom';
import type { Transcript } from '../queries';

export function transcriptView(t: Transcript | null | undefined): HTMLElement {
  if (!t) return h('p', { class: 'muted small' }, 'The transcript could not be read.');
  const entries = t.edges.map((e) => e.node);
  if (!entries.length) return h('p', { class: 'muted small' }, 'No message.');
  return h(
    'div',
    { class: 'transcript-wrap' },
    h('h3', { class: 'transcript-title' }, 'Transcript'),
    h(
      'ol',
      { class: 'transcript', 'aria-label': 'Transcript, oldest first' },
      entries.map((m) =>
        h(
          'li',
          {
            class: `transcript-entry author-${(m.author ?? 'unknown').toLowerCase()}`,
            'data-author': m.author ?? '',
            'data-channel': m.channel,
            'data-source': m.source,
          },
          h('div', { class: 'entry-head' }, h('span', { class: 'author' }, m.author ? label(m.author) : 'Unknown author'), chip(m.channel), h('span', { class: 'muted' }, ` · ${m.source} · `), time(m.at)),
          m.text ? h('div', { class: 'summary' }, m.text) : null,
        ),
      ),
    ),
    t.pageInfo.hasNextPage ? h('p', { class: 'muted small' }, 'Later messages are not shown.') : null,
  );
}
