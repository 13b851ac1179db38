// Relay conventions Harmony follows, for a Relay (or any) client:
// - global object identification: `Customer implements Node`, and
//   `node(id: ID!)` refetches any object by its global `id`;
// - connections: `customers`, `timeline`, `conversations`, ... take
//   `first` and `after`, and answer `edges { cursor node }` and
//   `pageInfo { hasNextPage endCursor }`, so `@connection` and
//   `usePaginationFragment` page through them.
//
// A Relay environment's network layer is one fetch function:
//
//   import { Environment, Network, RecordSource, Store } from 'relay-runtime';
//   const env = new Environment({
//     network: Network.create((op, variables) => relayFetch(url, op.text, variables)),
//     store: new Store(new RecordSource()),
//   });
//
// relayFetch below is that function, and the two queries are what Relay's
// compiler writes for a @refetchable fragment on Customer and a
// @connection on Query.customers.
export async function relayFetch(url, text, variables, headers = {}) {
  const resp = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: text, variables }),
  });
  return resp.json();
}

export const refetchCustomer = `query CustomerRefetchQuery($id: ID!) {
  node(id: $id) { __typename id ... on Customer { profile { givenName { value } } } }
}`;

export const customersPage = `query CustomersPaginationQuery($count: Int!, $cursor: String) {
  customers(first: $count, after: $cursor) {
    edges { cursor node { __typename id } }
    pageInfo { hasNextPage endCursor }
  }
}`;
