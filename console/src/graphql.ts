// The console talks to /graphql like any client: POST with JSON for queries,
// and a POST answered with server-sent events for the subscription.

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [k: string]: unknown };
}

/** StaleEntry is one entry of extensions.stale: a system answered from values read before it failed. */
export interface StaleEntry {
  connector: string;
  capability: string;
  ageSeconds: number;
  /** code is the failure that made the gateway answer from older values. */
  code?: string;
}

export interface GqlResult<T> {
  data: T | null;
  errors: GqlError[];
  /** stale lists the systems whose data was answered from values read before they failed. */
  stale: StaleEntry[];
}

/** AuthError means the gateway wants credentials (401). */
export class AuthError extends Error {}

const ENDPOINT = '/graphql';
const KEY_STORAGE = 'harmony-console:api-key';

/** apiKey is the key the user typed for a gateway that needs one; kept for the browser tab only. */
export function apiKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

export function setApiKey(key: string): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key lasts until the page closes */
  }
}

function headers(accept: string): Record<string, string> {
  const hdr: Record<string, string> = { 'Content-Type': 'application/json', Accept: accept };
  const key = apiKey();
  if (key) hdr['X-API-Key'] = key;
  return hdr;
}

/** gql runs one operation and returns its data and errors (partial answers included). */
export async function gql<T>(query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<GqlResult<T>> {
  const resp = await fetch(ENDPOINT, {
    method: 'POST',
    headers: headers('application/graphql-response+json, application/json'),
    body: JSON.stringify({ query, variables }),
    credentials: 'same-origin',
    signal,
  });
  if (resp.status === 401) throw new AuthError('the gateway asks for an API key');
  let body: { data?: T | null; errors?: GqlError[]; extensions?: { stale?: unknown } };
  try {
    body = await resp.json();
  } catch {
    throw new Error(`the gateway answered ${resp.status} without a GraphQL response`);
  }
  const errors = Array.isArray(body.errors) ? body.errors : [];
  if (!resp.ok && body.data == null && errors.length === 0) {
    throw new Error(`the gateway answered ${resp.status}`);
  }
  return { data: body.data ?? null, errors, stale: staleEntries(body.extensions?.stale) };
}

/** staleEntries reads extensions.stale, keeping well-formed entries only. */
export function staleEntries(raw: unknown): StaleEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (e): e is StaleEntry =>
      typeof e === 'object' && e !== null && typeof e.connector === 'string' && typeof e.capability === 'string' && typeof e.ageSeconds === 'number',
  );
}

export type SubscriptionState = 'connecting' | 'live' | 'retrying' | 'closed';

/**
 * subscribe runs a subscription over server-sent events (POST /graphql with
 * Accept: text/event-stream) and calls onNext for each result. It reconnects
 * after a dropped stream (delivery is at most once: what happened meanwhile
 * is in the timeline). The returned function stops it.
 */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  onNext: (r: GqlResult<T>) => void,
  onState: (s: SubscriptionState, detail?: string) => void,
): () => void {
  const ctrl = new AbortController();
  let retry = 1000;
  const run = async (): Promise<void> => {
    while (!ctrl.signal.aborted) {
      onState('connecting');
      try {
        const resp = await fetch(ENDPOINT, {
          method: 'POST',
          headers: headers('text/event-stream'),
          body: JSON.stringify({ query, variables }),
          credentials: 'same-origin',
          signal: ctrl.signal,
        });
        if (resp.status === 401) {
          onState('closed', 'the gateway asks for an API key');
          return;
        }
        if (!resp.ok || !resp.body || !(resp.headers.get('Content-Type') ?? '').includes('text/event-stream')) {
          throw new Error(`answered ${resp.status}`);
        }
        onState('live');
        retry = 1000;
        const ended = await readEvents(resp.body, (event, data) => {
          if (event !== 'next' || !data) return;
          try {
            const body = JSON.parse(data) as { data?: T | null; errors?: GqlError[] };
            onNext({ data: body.data ?? null, errors: body.errors ?? [], stale: [] });
          } catch {
            /* a malformed frame is skipped */
          }
        });
        if (ended === 'complete') {
          // The gateway ended the subscription (shutdown, or an error it sent
          // as the last result): try again later.
        }
      } catch (e) {
        if (ctrl.signal.aborted) return;
        onState('retrying', e instanceof Error ? e.message : String(e));
      }
      if (ctrl.signal.aborted) return;
      onState('retrying');
      await new Promise((r) => setTimeout(r, retry));
      retry = Math.min(retry * 2, 30_000);
    }
  };
  void run();
  return () => {
    ctrl.abort();
    onState('closed');
  };
}

/** readEvents parses a text/event-stream body, calling onEvent per event. */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: string, data: string) => void): Promise<'complete' | 'eof'> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return 'eof';
    buf += decoder.decode(value, { stream: true });
    let sep: number;
    while ((sep = buf.search(/\r?\n\r?\n/)) >= 0) {
      const frame = buf.slice(0, sep);
      buf = buf.slice(sep).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data: string[] = [];
      for (const line of frame.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') event = val;
        else if (field === 'data') data.push(val);
      }
      if (event === 'complete') {
        await reader.cancel().catch(() => {});
        return 'complete';
      }
      onEvent(event, data.join('\n'));
    }
  }
}

/** errorCodes lists an answer's error codes, for the partial-data banner. */
export function errorCode(e: GqlError): string {
  const code = e.extensions?.code;
  return typeof code === 'string' && code ? code : 'ERROR';
}
