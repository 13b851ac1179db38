// Conversations threaded across channels: each thread shows the channels it
// went through; opening it lists its messages, oldest first.
import { chip } from '../channels';
import { h, label, section, time, uid } from '../dom';
import type { Conversation } from '../queries';
import { transcriptView } from './transcript';

function thread(c: Conversation): HTMLElement {
  return h(
    'ol',
    { class: 'thread', 'aria-label': 'Messages, oldest first' },
    c.messages.map((m) =>
      h(
        'li',
        { class: 'message', 'data-channel': m.channel, 'data-source': m.source },
        h('div', { class: 'entry-head' }, chip(m.channel), h('span', { class: 'kind' }, label(m.type)), h('span', { class: 'muted' }, ` · ${m.source} · `), time(m.occurredAt)),
        m.summary ? h('div', { class: 'summary' }, m.summary) : null,
        h('div', { class: 'muted small' }, [m.direction ? label(m.direction) : null, m.status].filter(Boolean).join(' · ')),
      ),
    ),
  );
}

function item(c: Conversation): HTMLElement {
  const panelId = uid('thread');
  const crosses = new Set(c.channels).size > 1;
  const panel = h('div', { id: panelId, class: 'thread-panel', hidden: true }, thread(c), c.transcript !== undefined ? transcriptView(c.transcript) : null);
  const button = h(
    'button',
    { type: 'button', class: 'conv-toggle', 'aria-expanded': 'false', 'aria-controls': panelId, 'data-crosses': crosses ? 'true' : 'false' },
    c.messages.find((m) => m.summary)?.summary ? h('span', { class: 'conv-subject' }, c.messages.find((m) => m.summary)?.summary ?? '') : null,
    h('span', { class: 'conv-channels' }, c.channels.flatMap((ch, i) => (i ? [h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'), chip(ch)] : [chip(ch)]))),
    h(
      'span',
      { class: 'conv-meta' },
      crosses ? h('span', { class: 'badge badge-cross' }, `Crosses ${new Set(c.channels).size} channels`) : null,
      h('span', { class: `badge badge-${c.status.toLowerCase()}` }, label(c.status)),
      ` ${c.messages.length} message${c.messages.length === 1 ? '' : 's'} · last `,
      time(c.lastActivityAt),
    ),
  );
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') === 'true';
    button.setAttribute('aria-expanded', open ? 'false' : 'true');
    panel.hidden = open;
  });
  return h('li', { class: 'conversation', 'data-conversation': c.id }, button, panel);
}

export function conversationsView(convs: Conversation[] | null, hasMore: boolean): HTMLElement {
  if (convs === null) return section('conversations', 'Conversations', h('p', { class: 'muted' }, 'Conversations could not be read.'));
  return section(
    'conversations',
    'Conversations',
    h('p', { class: 'muted small' }, 'Threads across channels: contacts that share a reference, or follow each other on service channels. Open one to read it.'),
    convs.length ? h('ul', { class: 'conversations' }, convs.map(item)) : h('p', { class: 'muted' }, 'No conversation.'),
    hasMore ? h('p', { class: 'muted small' }, 'Older conversations are not shown.') : null,
  );
}
