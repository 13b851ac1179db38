// Subscriptions over server-sent events: the graphql-sse library in its
// distinct connections mode (one POST per subscription, answered with
// text/event-stream), which is what the gateway's SSE transport speaks.
import { createClient } from 'graphql-sse';

export function watchCustomerSSE(url, customerId, onEvent, onError) {
  const client = createClient({
    url, // http://127.0.0.1:8080/graphql
    singleConnection: false,
    // headers: { 'X-API-Key': key }, on a gateway with auth
  });
  const stop = client.subscribe(
    {
      query: `subscription ($id: ID!) {
        customerActivity(customerId: $id) { id source channel type occurredAt summary }
      }`,
      variables: { id: customerId },
    },
    { next: (r) => onEvent(r.data?.customerActivity, r.errors), error: onError, complete: () => {} },
  );
  return () => {
    stop();
    client.dispose();
  };
}
