// The partial-data banner: whenever an answer carries errors (a system down,
// a field refused), the console says which data is missing and why.
import { h, replace } from '../dom';
import { errorCode, type GqlError } from '../graphql';

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

export class Banner {
  readonly el: HTMLElement;
  private items = new Map<string, string>();

  constructor() {
    this.el = h('div', { class: 'banner', id: 'partial-banner', role: 'alert', hidden: true });
  }

  clear(): void {
    this.items.clear();
    this.render();
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
    return this.items.size;
  }

  private render(): void {
    if (this.items.size === 0) {
      this.el.hidden = true;
      replace(this.el);
      return;
    }
    this.el.hidden = false;
    replace(
      this.el,
      h('strong', { class: 'banner-title' }, 'Partial data: some of this customer’s data is missing.'),
      h('ul', null, [...this.items.values()].map((t) => h('li', null, t))),
    );
  }
}
