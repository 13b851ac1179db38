// Package shop simulates an online store's GraphQL Admin-like API on
// loopback: POST /graphql, authenticated by the "X-Shop-Access-Token"
// header, over the schema in schema.graphql (customers by id, a customer
// list with cursor pagination, orders per customer with a time window and
// a per-customer limit pushed down).
//
// The executor is small and written here on top of gqlparser: documents are
// parsed and validated against the schema (and cached by query text),
// variables coerced with validator.VariableValues, then selection sets are
// walked with aliases, fragments, inline fragments, @skip/@include and
// __typename. Errors have the standard {"errors":[{"message","locations",
// "path"}]} shape, a null in a non-null position propagates to the parent,
// and everything answers 200 except a body that is not a GraphQL request
// (400). Introspection (__schema, __type) is not supported.
//
// Routes are counted per root field name ("customers", "customer",
// "customerList", "orders"), once per HTTP request that executes that
// field, however many aliases ask for it; Total counts HTTP requests. A
// request that fails validation counts in Total only.
//
// Ids look like "gid://shop/Customer/7001" and "gid://shop/Order/5100001";
// order names like "#1042". customers and orders take at most 100 ids;
// customerList's first is 0 to 250; limitPerCustomer 0 to 1000. orders come
// grouped by customer in input order (repeats dropped), each customer's
// newest first (ties: higher id first), since/until inclusive on createdAt.
package shop
