package run

// Operation is one GraphQL operation the benchmark drives.
type Operation struct {
	Name  string
	Query string
	// List operations take no customer ID.
	List bool
	// PeriodMS is how often one client issues it: "N clients" issue it N
	// times per period, on a fixed schedule. Periods keep 10 clients below
	// what the gateway sustains on 2 cores, so that latencies are not those
	// of an ever-growing queue (the throughput runs measure saturation).
	PeriodMS int
	// SoloMS is the period of the one-client runs: shorter, for enough
	// samples, but longer than the operation takes, so that one client
	// has one operation in flight at most.
	SoloMS int
}

const profileQuery = `query Profile($id: ID!) {
  customer(id: $id) {
    id
    profile {
      givenName { value source }
      familyName { value source }
      email { value source }
      phone { value source }
    }
  }
}`

const customer360Query = `query Customer360($id: ID!) {
  customer(id: $id) {
    id
    createdAt
    profile {
      givenName { value source fetchedAt }
      familyName { value source }
      email { value source }
      phone { value source }
      city { value source }
      loyaltyCard { value source }
      sources
    }
    identities { kind value system rule source linkedAt }
    orders(first: 5) {
      id source channel placedAt status location
      total { amount currency }
      items { name quantity }
    }
    interactions(first: 5) {
      id source channel type occurredAt summary status threadRef
    }
    timeline(first: 10) {
      edges { node { occurredAt channel source kind summary } }
      gaps { source capability code }
      pageInfo { hasNextPage endCursor }
    }
    metrics {
      orderCount
      totalSpent { amount currency }
      lastContactChannel
      lastContactAt
      averageFirstResponseSeconds
      complete
    }
  }
}`

const listQuery = `query Customers50 {
  customers(first: 50) {
    edges {
      cursor
      node {
        id
        profile { givenName { value } familyName { value } city { value } }
        metrics { orderCount totalSpent { amount currency } lastContactChannel }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`

// deepQuery reaches the same data as the customer 360 through nested named
// fragments, inline fragments on the timeline's union, aliases and the
// Node interface: the executor's work grows, the upstream calls must not.
const deepQuery = `query Deep($id: ID!) {
  node(id: $id) {
    ... on Customer { ...CustomerAll }
  }
}
fragment Field on ProfileField { value source fetchedAt updatedAt rule stale alternatives { value source fetchedAt } }
fragment Money on Money { amount currency }
fragment OrderAll on Order { id source orderChannel: channel placedAt orderStatus: status location total { ...Money } items { sku name quantity unitPrice { ...Money } } }
fragment InteractionAll on Interaction { id source channel type direction occurredAt summary status threadRef durationSeconds firstResponseAt resolvedAt attributes { name value } }
fragment ProfileAll on Profile {
  givenName { ...Field } familyName { ...Field } email { ...Field } phone { ...Field }
  whatsapp { ...Field } loyaltyCard { ...Field } birthDate { ...Field } city { ...Field }
  country { ...Field } language { ...Field } attributes { name value source } sources
}
fragment CustomerAll on Customer {
  id
  createdAt
  profile { ...ProfileAll }
  golden: profile { name: givenName { ...Field } }
  identities { kind value system rule source confidence linkedAt }
  orders(first: 10) { ...OrderAll }
  interactions(first: 10) { ...InteractionAll }
  timeline(first: 20) {
    edges {
      cursor
      node {
        id occurredAt channel source kind summary
        payload { __typename ... on Order { ...OrderAll } ... on Interaction { ...InteractionAll } }
      }
    }
    gaps { source capability code }
    pageInfo { hasNextPage endCursor }
  }
  metrics { orderCount totalSpent { ...Money } lastContactChannel lastContactAt averageFirstResponseSeconds complete }
}`

// Operations are the operations the benchmark drives, in order.
func Operations() []Operation {
	return []Operation{
		{Name: "profile", Query: profileQuery, PeriodMS: 100, SoloMS: 50},
		{Name: "customer360", Query: customer360Query, PeriodMS: 200, SoloMS: 50},
		{Name: "list50", Query: listQuery, List: true, PeriodMS: 2000, SoloMS: 250},
		{Name: "deep", Query: deepQuery, PeriodMS: 200, SoloMS: 50},
	}
}
