// Subscriptions over a WebSocket (graphql-transport-ws, the graphql-ws
// library). Browsers have WebSocket; Node 20 needs the ws package.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export function watchCustomerWS(url, customerId, onEvent, onError) {
  const client = createClient({
    url, // ws://127.0.0.1:8080/graphql
    webSocketImpl: WebSocket,
    // connectionParams: { 'X-API-Key': key }, on a gateway with auth
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
    void client.dispose();
  };
}
