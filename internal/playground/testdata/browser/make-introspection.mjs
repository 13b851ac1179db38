// Writes introspection.json: the answer to GraphiQL's introspection query for
// a small stand-in schema, served by TestBrowser's stub /graphql endpoint so
// that the browser check needs no running gateway.
//
// Usage (from this folder): npm run introspection
import { writeFileSync } from 'node:fs';
import { buildSchema, getIntrospectionQuery, graphqlSync } from 'graphql';

const schema = buildSchema(`
  "A customer as the gateway sees them."
  type Customer {
    id: ID!
    name: String!
    email: String
    orders(first: Int = 10): [Order!]!
  }

  type Order {
    id: ID!
    total: Float!
    placedAt: String!
  }

  type Query {
    customer(id: ID!): Customer
    customers(first: Int = 10, after: String): [Customer!]!
  }

  type Subscription {
    customerUpdated(id: ID!): Customer!
  }
`);

const result = graphqlSync({
  schema,
  source: getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
  }),
});
if (result.errors) {
  throw new Error(JSON.stringify(result.errors));
}
const out = new URL('./introspection.json', import.meta.url);
writeFileSync(out, JSON.stringify(result) + '\n');
