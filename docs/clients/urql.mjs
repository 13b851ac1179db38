// urql with the normalized cache (graphcache) over Harmony's /graphql.
//
// graphcache needs the schema to match fragments on interfaces and unions
// (the timeline's payload), and a key for each object type: Harmony's
// objects without an `id` (a profile, a profile field, a page of the
// timeline) belong to their parent, so their key is null (embedded).
// Both come from one introspection query; the gateway answers it when
// server.introspection is on (or save its answer at build time).
// urql sends queries as GET by default; the gateway answers a GET only
// with a CSRF preflight header, so send POST (or add the header
// GraphQL-Require-Preflight: 1).
import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { getIntrospectionQuery } from 'graphql';

export async function fetchSchema(url, headers = {}) {
  const resp = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const { data } = await resp.json();
  return data;
}

export function createUrqlClient(url, schema, headers = {}) {
  const keys = {};
  for (const t of schema.__schema.types) {
    if (t.kind === 'OBJECT' && !t.name.startsWith('__') && !t.fields?.some((f) => f.name === 'id')) {
      keys[t.name] = () => null; // embedded in its parent
    }
  }
  return new Client({
    url,
    fetchOptions: { headers },
    preferGetMethod: false,
    exchanges: [cacheExchange({ schema, keys }), fetchExchange],
  });
}
