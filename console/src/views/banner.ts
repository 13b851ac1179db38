// The partial-data banner: whenever an answer carries errors (a system down,
// a field refused), the console says which data is missing and why; and
// whenever data comes from values read before its system failed (stale),
// it says which system's, and how old.
import { h, replace } from '../dom';
import { errorCode, type GqlError, type StaleEntry } from '../graphql';

// What the console calls each demo system; another system is named as
// configured.
const SYSTEMS: Record<string, { name: string; noun: string }> = {
  crm: { name: 'The CRM', noun: 'CRM' },
  shop: { name: 'The online store', noun: 'order' },
  pos: { name: 'The point of sale', noun: 'in-store sale' },
  helpdesk: { name: 'The helpdesk', noun: 'support' },
  mailing: { name: 'E-mail marketing', noun: 'e-mail' },
  calls: { name: 'The call center', noun: 'call' },
};

/** systemName names a connector in words ("The call center"). */
export function systemName(connector: string): string {
  return SYSTEMS[connector]?.name ?? `The system “${connector}”`;
}

// What a failing system is doing, after its name.
const SYSTEM_FAILS: Record<string, string> = {
  UPSTREAM_UNAVAILABLE: 'is not answering',
  UPSTREAM_TIMEOUT: 'is answering too slowly',
  UPSTREAM_BAD_RESPONSE: 'answers something the gateway cannot read',
  UPSTREAM_UNAUTHORIZED: 'refuses the gateway’s credentials',
  UPSTREAM_RATE_LIMITED: 'asks the gateway to slow down',
  UPSTREAM_REJECTED: 'refuses the gateway’s request',
  CONNECTOR_FAILED: 'cannot be read: its connector in the gateway failed',
  CIRCUIT_OPEN: 'keeps failing, so the gateway stopped asking it for a while',
};

// A whole sentence, for an error that is not a system's.
const GATEWAY_SAYS: Record<string, string> = {
  PROFILE_STORE_UNAVAILABLE: 'The profile store is not answering',
  FORBIDDEN: 'Your access does not cover this data',
  CONSENT_REQUIRED: 'The customer has not consented to this use',
  UNAUTHENTICATED: 'The gateway asks for credentials',
  CUSTOMER_ERASED: 'The customer’s data was erased',
  NOT_FOUND: 'Some data was not found',
  SHUTTING_DOWN: 'The gateway is shutting down',
  INTROSPECTION_DISABLED: 'The gateway does not describe its schema',
};

/** fails says what a failing system is doing, after its name: "is not answering". */
export function fails(code: string): string {
  return SYSTEM_FAILS[code] ?? 'failed';
}

/** failure says in words why data is missing: "The call center is not answering". */
export function failure(e: GqlError): string {
  const code = errorCode(e);
  const connector = connectorOf(e);
  if (connector) return `${systemName(connector)} ${SYSTEM_FAILS[code] ?? 'failed'}`;
  return GATEWAY_SAYS[code] ?? 'The gateway could not read some data';
}

function connectorOf(e: GqlError): string {
  const x = e.extensions;
  return typeof x?.connector === 'string' && x.connector ? x.connector : typeof x?.source === 'string' ? x.source : '';
}

const FIELDS: Record<string, string> = {
  timeline: 'timeline entries',
  profile: 'profile fields',
  identities: 'identity links',
  consents: 'consents',
  conversations: 'conversations',
  customerActivity: 'live updates',
};

const CAPABILITIES: Record<string, string> = {
  profiles: 'profile fields',
  orders: 'orders',
  interactions: 'interactions',
  lookup: 'search results',
};

/** missingOf names, in words, what an error leaves out: "call metrics". */
function missingOf(e: GqlError): string {
  const connector = connectorOf(e);
  const names = (e.path ?? []).filter((p): p is string => typeof p === 'string');
  const field = names.length > 1 ? names[names.length - 1] : '';
  if (field === 'metrics' || (names.length > 2 && names[names.length - 2] === 'metrics')) {
    return connector && SYSTEMS[connector] ? `${SYSTEMS[connector].noun} metrics` : 'metrics';
  }
  if (field) return FIELDS[field] ?? field.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const cap = typeof e.extensions?.capability === 'string' ? e.extensions.capability : '';
  return CAPABILITIES[cap] ?? 'some data';
}

function list(items: string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** ageText says how long ago a value was read, in words. */
function ageText(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export class Banner {
  readonly el: HTMLElement;
  // One line per failing system (or per gateway error): what it is doing,
  // what is missing because of it, and the codes for whoever debugs it.
  private items = new Map<string, { says: string; missing: Set<string>; codes: Set<string>; source: string }>();
  private staleItems = new Map<string, { age: number; text: string; source: string }>();

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
  stale(_what: string, entries: { connector: string; capability: string; ageSeconds: number; code?: string }[]): void {
    for (const e of entries) {
      const key = `${e.connector}|${e.capability}`;
      const why = e.code ? ` (it ${SYSTEM_FAILS[e.code] ?? 'failed'})` : '';
      const data = CAPABILITIES[e.capability] ?? e.capability;
      const text = `${systemName(e.connector)} is not answering${why}: its ${data} are shown as read ${ageText(e.ageSeconds)} ago and may be out of date.`;
      // The oldest value says the most; a code says why.
      const prev = this.staleItems.get(key);
      if (!prev || e.ageSeconds > prev.age || (e.code && !prev.text.includes('('))) this.staleItems.set(key, { age: Math.max(e.ageSeconds, prev?.age ?? 0), text, source: e.connector });
    }
    this.render();
  }

  /** staleFromExtensions records extensions.stale of an answer. */
  staleFrom(what: string, entries: StaleEntry[]): void {
    if (entries.length) this.stale(what, entries);
  }

  /**
   * add records an answer's errors, one line per failing system however
   * many fields and requests it failed ("The call center is not answering:
   * calls and call metrics are missing.").
   */
  add(_what: string, errors: GqlError[]): void {
    for (const e of errors) {
      const code = errorCode(e);
      const source = connectorOf(e);
      const key = source ? `system|${source}` : `gateway|${code}`;
      let item = this.items.get(key);
      if (!item) {
        item = { says: failure(e), missing: new Set(), codes: new Set(), source };
        this.items.set(key, item);
      }
      item.missing.add(missingOf(e));
      item.codes.add(code);
    }
    this.render();
  }

  /** fail records that a whole request failed. */
  fail(what: string, err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    this.items.set(`fail|${what}`, { says: `${what} could not be loaded (${msg})`, missing: new Set(), codes: new Set(), source: '' });
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
            h(
              'ul',
              null,
              [...this.items.values()].map((t) => {
                const missing = [...t.missing];
                const tail = missing.length ? `: ${list(missing)} ${missing.length > 1 || missing[0].endsWith('s') ? 'are' : 'is'} missing.` : '.';
                return h('li', { 'data-source': t.source || null, 'data-codes': [...t.codes].join(' ') || null }, t.says + tail);
              }),
            ),
          ]
        : null,
      this.staleItems.size
        ? [
            h('strong', { class: 'banner-title banner-stale' }, 'Stale data: some systems are down, and what they hold is shown as read before.'),
            h('ul', { class: 'stale-list' }, [...this.staleItems.values()].map((t) => h('li', { 'data-source': t.source }, t.text))),
          ]
        : null,
    );
  }
}
