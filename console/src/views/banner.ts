// The partial-data banner: whenever an answer carries errors (a system down,
// a field refused), the console says which data is missing and why; and
// whenever data comes from values read before its system failed (stale),
// it says which system's, and how old.
import { h, replace } from '../dom';
import { errorCode, type GqlError, type StaleEntry } from '../graphql';

const EXPLAIN: Record<string, string> = {
  UPSTREAM_UNAVAILABLE: 'the system could not be reached',
  UPSTREAM_TIMEOUT: 'the system did not answer in time',
  UPSTREAM_BAD_RESPONSE: 'the system answered something unreadable',
  UPSTREAM_UNAUTHORIZED: 'the system refused the gateway’s credentials',
  UPSTREAM_RATE_LIMITED: 'the system asked the gateway to slow down',
  UPSTREAM_REJECTED: 'the system refused the request',
  CONNECTOR_FAILED: 'the gateway’s connector failed',
  CIRCUIT_OPEN: 'the system keeps failing, so the gateway paused calls to it',
  PROFILE_STORE_UNAVAILABLE: 'the profile store could not be reached',
  FORBIDDEN: 'your access does not cover this data',
  CONSENT_REQUIRED: 'the customer has not consented to this use',
  UNAUTHENTICATED: 'the gateway asks for credentials',
  CUSTOMER_ERASED: 'the customer’s data was erased',
  NOT_FOUND: 'not found',
  SHUTTING_DOWN: 'the gateway is shutting down',
};

/** ageText says how long ago a value was read, in words. */
function ageText(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export class Banner {
  readonly el: HTMLElement;
  private items = new Map<string, string>();
  private staleItems = new Map<string, { age: number; text: string }>();

  constructor() {
    this.el = h('div', { class: 'banner', id: 'partial-banner', role: 'alert', hidden: true });
  }

  clear(): void {
    this.items.clear();
    this.staleItems.clear();
    this.render();
  }

  /**
   * stale records the systems an answer gave from values read before they
   * failed (extensions.stale, or a timeline gap with reason STALE).
   */
  stale(what: string, entries: { connector: string; capability: string; ageSeconds: number; code?: string }[]): void {
    for (const e of entries) {
      const key = `${e.connector}|${e.capability}`;
      const why = e.code ? ` (${e.code}: ${EXPLAIN[e.code] ?? 'the system failed'})` : '';
      const text = `${e.connector} is not answering${why}; its ${e.capability} are shown as read ${ageText(e.ageSeconds)} ago and may be out of date (${what}).`;
      // The oldest value says the most; a code says why.
      const prev = this.staleItems.get(key);
      if (!prev || e.ageSeconds > prev.age || (e.code && !prev.text.includes('('))) this.staleItems.set(key, { age: Math.max(e.ageSeconds, prev?.age ?? 0), text });
    }
    this.render();
  }

  /** staleFromExtensions records extensions.stale of an answer. */
  staleFrom(what: string, entries: StaleEntry[]): void {
    if (entries.length) this.stale(what, entries);
  }

  /** add records an answer's errors, under what the console was loading. */
  add(what: string, errors: GqlError[]): void {
    for (const e of errors) {
      const code = errorCode(e);
      const where = Array.isArray(e.path) ? e.path.filter((p) => typeof p === 'string').join('.') : '';
      const source = typeof e.extensions?.source === 'string' ? e.extensions.source : typeof e.extensions?.connector === 'string' ? e.extensions.connector : '';
      const key = `${what}|${code}|${where}|${source}`;
      const why = EXPLAIN[code] ?? 'the data could not be read';
      this.items.set(key, `${what}: ${code}${source ? ` from ${source}` : ''}${where ? ` (${where})` : ''}, ${why}`);
    }
    this.render();
  }

  /** fail records that a whole request failed. */
  fail(what: string, err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    this.items.set(`${what}|fail`, `${what}: could not be loaded, ${msg}`);
    this.render();
  }

  get size(): number {
    return this.items.size + this.staleItems.size;
  }

  private render(): void {
    if (this.items.size === 0 && this.staleItems.size === 0) {
      this.el.hidden = true;
      replace(this.el);
      return;
    }
    this.el.hidden = false;
    replace(
      this.el,
      this.items.size
        ? [
            h('strong', { class: 'banner-title' }, 'Partial data: some of this customer’s data is missing.'),
            h('ul', null, [...this.items.values()].map((t) => h('li', null, t))),
          ]
        : null,
      this.staleItems.size
        ? [
            h('strong', { class: 'banner-title banner-stale' }, 'Stale data: some systems are down, and what they hold is shown as read before.'),
            h('ul', { class: 'stale-list' }, [...this.staleItems.values()].map((t) => h('li', null, t.text))),
          ]
        : null,
    );
  }
}
