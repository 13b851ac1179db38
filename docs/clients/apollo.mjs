// Apollo Client 4 over Harmony's /graphql.
//
// possibleTypes.json (make client-types) tells the cache which object types
// each interface and union holds, so that fragments on the timeline's
// payload union (`... on Order`, `... on Interaction`) match. The type
// policies merge a customer's profile, its fields and its metrics: they
// have no ID of their own (they belong to the customer), and without a
// merge function Apollo would replace them, dropping the fields that one
// query asked for and the next did not.
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import possibleTypes from './possibleTypes.json' with { type: 'json' };

export const typePolicies = {
  Profile: { merge: true },
  ProfileField: { merge: true },
  CustomerMetrics: { merge: true },
};

export function createApolloClient(uri, headers = {}) {
  return new ApolloClient({
    link: new HttpLink({ uri, headers }), // headers: e.g. {'X-API-Key': key}
    cache: new InMemoryCache({ possibleTypes, typePolicies }),
  });
}
