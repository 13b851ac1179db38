// The journey across channels, newest first, loaded a page at a time on
// cursors as the list scrolls (and with a button, for the keyboard). A
// system that could not be read leaves a visible gap marker where its
// entries are missing.
import { chip } from '../channels';
import { ago, duration, h, label, replace, section, time } from '../dom';
import { gql, type GqlError, type StaleEntry } from '../graphql';
import { TIMELINE, type ActivityEvent, type TimelineGap, type TimelineNode, type TimelinePage } from '../queries';
import { fails, systemName } from './banner';

function money(amount: string, currency: string): string {
  const n = Number(amount);
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(n);
  } catch {
    return `${amount} ${currency}`;
  }
}

function details(n: TimelineNode): string {
  const p = n.payload;
  if (!p) return '';
  if (p.__typename === 'Order') {
    return [money(p.total.amount, p.total.currency), p.location, p.orderStatus].filter(Boolean).join(' · ');
  }
  return [p.direction ? label(p.direction) : null, p.status, p.durationSeconds ? duration(p.durationSeconds) : null].filter(Boolean).join(' · ');
}

export function entryItem(n: TimelineNode): HTMLElement {
  return h(
    'li',
    {
      class: n.stale ? 'entry stale' : 'entry',
      'data-channel': n.channel,
      'data-source': n.source,
      'data-kind': n.kind,
      'data-stale': n.stale ? 'true' : null,
    },
    h(
      'div',
      { class: 'entry-head' },
      chip(n.channel),
      h('span', { class: 'kind' }, label(n.kind)),
      h('span', { class: 'muted' }, ` · ${n.source} · `),
      time(n.occurredAt),
      n.stale
        ? h('span', { class: 'fresh stale', title: `${n.source} is not answering: read ${ago(n.fetchedAt)}` }, h('span', { class: 'badge' }, 'Stale'), ' ', h('span', { class: 'muted small nowrap' }, `read ${ago(n.fetchedAt)}`))
        : null,
    ),
    h('div', { class: 'summary' }, n.summary),
    details(n) ? h('div', { class: 'muted small' }, details(n)) : null,
  );
}

function gapItem(g: TimelineGap): HTMLElement {
  if (g.reason === 'STALE') {
    return h(
      'li',
      { class: 'gap gap-stale', role: 'note', 'data-source': g.source, 'data-capability': g.capability, 'data-code': g.code, 'data-reason': g.reason },
      h('span', { class: 'gap-icon', 'aria-hidden': 'true' }, '⏱'),
      h(
        'span',
        null,
        h('strong', null, `Stale: ${systemName(g.source)} ${fails(g.code)}`),
        ` — its ${g.capability} below are shown as read ${ago(g.fetchedAt)}, marked Stale; anything newer is missing.`,
      ),
    );
  }
  return h(
    'li',
    { class: 'gap', role: 'note', 'data-source': g.source, 'data-capability': g.capability, 'data-code': g.code, 'data-reason': g.reason },
    h('span', { class: 'gap-icon', 'aria-hidden': 'true' }, '⚠'),
    h(
      'span',
      null,
      h('strong', null, `Gap: ${systemName(g.source)} is missing here`),
      ` — its ${g.capability} could not be read: it ${fails(g.code)}. Its entries from this point on are not shown; the next page asks it again.`,
    ),
  );
}

export class Timeline {
  readonly el: HTMLElement;
  private list: HTMLOListElement;
  private status: HTMLElement;
  private more: HTMLButtonElement;
  private box: HTMLElement;
  private sentinel: HTMLElement;
  private observer: IntersectionObserver;
  private cursor: string | null = null;
  private hasNext = true;
  private loading = false;
  private seen = new Set<string>();
  private pages = 0;

  constructor(
    private readonly id: string,
    private readonly onErrors: (what: string, errors: GqlError[]) => void,
    private readonly onFail: (what: string, err: unknown) => void,
    private readonly onStale: (what: string, entries: StaleEntry[], gaps: TimelineGap[]) => void = () => {},
  ) {
    this.list = h('ol', { class: 'timeline', 'aria-label': 'Timeline entries, newest first' });
    this.status = h('p', { class: 'muted small', 'aria-live': 'polite', id: 'timeline-status' });
    this.more = h('button', { type: 'button', class: 'secondary', id: 'timeline-more' }, 'Load older entries');
    this.more.addEventListener('click', () => void this.load());
    this.sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
    this.box = h('div', { class: 'timeline-scroll', tabindex: 0, role: 'region', 'aria-label': 'Timeline, scroll for older entries' }, this.list, this.sentinel, this.more);
    this.el = section('timeline', 'Timeline across channels', this.box, this.status);
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void this.load();
      },
      { root: this.box, rootMargin: '0px 0px 200px 0px' },
    );
  }

  start(): void {
    this.observer.observe(this.sentinel);
    void this.load();
  }

  stop(): void {
    this.observer.disconnect();
  }

  /** load fetches the next page; one at a time. */
  async load(): Promise<void> {
    if (this.loading || !this.hasNext) return;
    this.loading = true;
    this.more.disabled = true;
    this.status.textContent = 'Loading entries…';
    try {
      const r = await gql<{ customer: { timeline: TimelinePage } | null }>(TIMELINE, { id: this.id, after: this.cursor });
      if (r.errors.length) this.onErrors('Timeline', r.errors);
      const page = r.data?.customer?.timeline;
      if (!page) {
        this.hasNext = false;
        this.status.textContent = 'The timeline could not be read.';
        return;
      }
      this.pages += 1;
      const staleGaps = page.gaps.filter((g) => g.reason === 'STALE');
      if (r.stale.length || staleGaps.length) this.onStale('Timeline', r.stale, staleGaps);
      for (const g of page.gaps) this.list.appendChild(gapItem(g));
      for (const e of page.edges) {
        if (this.seen.has(e.node.id)) continue;
        this.seen.add(e.node.id);
        this.list.appendChild(entryItem(e.node));
      }
      this.cursor = page.pageInfo.endCursor;
      this.hasNext = page.pageInfo.hasNextPage && !!this.cursor;
      const n = this.list.querySelectorAll('li.entry').length;
      this.status.textContent = this.hasNext
        ? `${n} entries loaded (${this.pages} page${this.pages > 1 ? 's' : ''}); scroll for older ones.`
        : `All ${n} entries loaded.`;
    } catch (e) {
      this.onFail('Timeline', e);
      this.status.textContent = 'The timeline could not be loaded.';
    } finally {
      this.loading = false;
      this.more.disabled = !this.hasNext;
      this.more.hidden = !this.hasNext;
      // The observer fires only when the sentinel enters the view: if the
      // page was too short to push it out, load the next one now.
      if (this.hasNext && this.box.isConnected) {
        const box = this.box.getBoundingClientRect();
        const s = this.sentinel.getBoundingClientRect();
        if (box.height > 0 && s.top < box.bottom) void this.load();
      }
    }
  }

  /** live puts an event that just arrived at the top of the list. */
  live(e: ActivityEvent): void {
    const node: TimelineNode = {
      id: `live:${e.id}`,
      occurredAt: e.occurredAt,
      channel: e.channel ?? 'OTHER',
      source: e.source,
      kind: e.type ?? 'OTHER',
      summary: e.summary ?? e.eventType ?? 'New activity',
      stale: false,
      fetchedAt: null,
      payload: { __typename: 'Interaction', status: e.status, threadRef: e.threadRef, direction: e.direction, durationSeconds: null },
    };
    if (this.seen.has(node.id)) return;
    this.seen.add(node.id);
    const li = entryItem(node);
    li.classList.add('new');
    li.querySelector('.entry-head')?.prepend(h('span', { class: 'badge badge-new' }, 'New'));
    this.list.prepend(li);
  }

  clear(): void {
    replace(this.list);
  }
}
