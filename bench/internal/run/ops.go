package run

// Operation is one GraphQL operation the benchmark drives.
type Operation struct {
	Name  string
	Query string
	// Vars are its variables for one customer; nil for an operation about
	// no customer in particular (a list).
	Vars func(t target) map[string]any
	// PeriodMS is how often one client of the open-model rows issues it:
	// "N/s" rows issue it N times per period, on a fixed schedule, below
	// what the gateway sustains on 2 cores, so that latencies are not those
	// of an ever-growing queue.
	PeriodMS int
}

func byID(t target) map[string]any    { return map[string]any{"id": t.ID} }
func byEmail(t target) map[string]any { return map[string]any{"email": t.Email} }
func byKey(t target) map[string]any   { return map[string]any{"id": t.Key} }

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

// customer360Query is the customer 360 as an application asks it: found
// by an identifier (customerByIdentifier), with the golden profile,
// identities, orders online and in store (the point of sale), interactions,
// conversations across channels, consents, a timeline page and metrics.
const customer360Query = `query Customer360($email: String!) {
  customerByIdentifier(kind: EMAIL, value: $email) {
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
    conversations(first: 5) {
      edges { node { id channels startedAt lastActivityAt status threadRef messages { id source channel type occurredAt } } }
      pageInfo { hasNextPage endCursor }
    }
    consents { purpose channel status source recordedAt }
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

// The operations' names.
const (
	OpProfile = "profile"
	Op360     = "customer360"
	OpList    = "list50"
	OpDeep    = "deep"
)

// Operations are the operations the benchmark drives on the demo's
// upstreams, in order.
func Operations() []Operation {
	return []Operation{
		{Name: OpProfile, Query: profileQuery, Vars: byID, PeriodMS: 100},
		{Name: Op360, Query: customer360Query, Vars: byEmail, PeriodMS: 200},
		{Name: OpList, Query: listQuery, PeriodMS: 2000},
		{Name: OpDeep, Query: deepQuery, Vars: byID, PeriodMS: 200},
	}
}

// operation returns the operation named name (one of the Op constants).
func operation(name string) Operation {
	for _, op := range Operations() {
		if op.Name == name {
			return op
		}
	}
	return Operation{Name: name}
}
