// Live activity: the customer's events as the systems report them, through
// the customerActivity subscription (server-sent events).
import { chip } from '../channels';
import { h, label, section, time } from '../dom';
import { subscribe, type GqlError, type SubscriptionState } from '../graphql';
import { ACTIVITY, type ActivityEvent } from '../queries';

const STATE_TEXT: Record<SubscriptionState, string> = {
  connecting: 'Connecting to live updates…',
  live: 'Live: new activity appears here and at the top of the timeline.',
  retrying: 'Live updates interrupted; reconnecting…',
  closed: 'Live updates stopped.',
};

export class Live {
  readonly el: HTMLElement;
  private list: HTMLUListElement;
  private state: HTMLElement;
  private stop: (() => void) | null = null;
  private count = 0;

  constructor(
    private readonly id: string,
    private readonly onEvent: (e: ActivityEvent) => void,
    private readonly onErrors: (what: string, errors: GqlError[]) => void,
  ) {
    this.state = h('p', { role: 'status', class: 'live-state', 'data-state': 'connecting' }, STATE_TEXT.connecting);
    this.list = h('ul', { class: 'live-list', 'aria-label': 'Events received live, newest first' });
    this.el = section('live', 'Live activity', this.state, this.list, h('p', { class: 'muted small live-empty' }, 'Nothing yet since this page opened.'));
  }

  start(): void {
    this.stop = subscribe<{ customerActivity: ActivityEvent }>(
      ACTIVITY,
      { id: this.id },
      (r) => {
        if (r.errors.length) this.onErrors('Live updates', r.errors);
        const e = r.data?.customerActivity;
        if (!e) return;
        this.count += 1;
        this.el.querySelector('.live-empty')?.remove();
        this.list.prepend(
          h(
            'li',
            { class: 'live-item', 'data-channel': e.channel ?? 'OTHER' },
            chip(e.channel),
            h('span', { class: 'kind' }, ` ${label(e.type ?? e.eventType ?? 'event')}`),
            h('span', { class: 'muted' }, ` · ${e.source} · `),
            time(e.occurredAt),
            e.summary ? h('div', { class: 'summary' }, e.summary) : null,
          ),
        );
        this.onEvent(e);
      },
      (st, detail) => {
        this.state.dataset.state = st;
        this.state.textContent = STATE_TEXT[st] + (detail && st !== 'retrying' ? ` (${detail})` : '');
      },
    );
  }

  close(): void {
    this.stop?.();
    this.stop = null;
  }

  get received(): number {
    return this.count;
  }
}
