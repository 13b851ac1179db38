// Relay fragments on Harmony's schema, as a Relay app writes them (read by
// relay-compiler, which writes their artifacts into __generated__; Babel's
// relay plugin turns each graphql`` into an import of its artifact).
import { graphql } from 'relay-runtime';

// A customer, refetchable through node(id:): the compiler writes
// RelayCustomerRefetchQuery, which asks node(id: $id) for the fragment.
export const customerFragment = graphql`
  fragment RelayCustomer_customer on Customer @refetchable(queryName: "RelayCustomerRefetchQuery") {
    id
    profile {
      givenName { value }
    }
  }
`;

export const customerQuery = graphql`
  query RelayCustomerQuery($id: ID!) {
    customer(id: $id) {
      ...RelayCustomer_customer
    }
  }
`;

// The customer list, paged as a Relay connection.
export const customersFragment = graphql`
  fragment RelayCustomers_query on Query
  @argumentDefinitions(count: { type: "Int", defaultValue: 3 }, cursor: { type: "String" })
  @refetchable(queryName: "RelayCustomersPaginationQuery") {
    customers(first: $count, after: $cursor) @connection(key: "RelayCustomers_customers") {
      edges {
        node { id }
      }
    }
  }
`;

export const customersQuery = graphql`
  query RelayCustomersQuery {
    ...RelayCustomers_query
  }
`;
