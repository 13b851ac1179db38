package run

// The peer comparison asks each gateway the same data about the same
// customers, each in its own schema: one customer by the subgraphs' ID
// (Harmony: customerByIdentifier with the profile system's key; bramble:
// the profile subgraph's customer field), and a page of 50 customers (each
// gateway's first page: Harmony's in its ID order, bramble's in the
// profile subgraph's), each with its profile, 5 orders and 5 interactions.

const peerHarmonyOne = `query PeerOne($id: String!) {
  customerByIdentifier(kind: EXTERNAL_ID, system: "profile", value: $id) {
    id
    profile { givenName { value } familyName { value } email { value } phone { value } city { value } country { value } }
    orders(first: 5) { id placedAt status channel total { amount currency } items { sku name quantity unitPrice { amount currency } } }
    interactions(first: 5) { id channel type occurredAt summary status }
  }
}`

const peerHarmonyFifty = `query PeerFifty {
  customers(first: 50) {
    edges {
      node {
        id
        profile { givenName { value } familyName { value } email { value } phone { value } city { value } country { value } }
        orders(first: 5) { id placedAt status channel total { amount currency } items { sku name quantity unitPrice { amount currency } } }
        interactions(first: 5) { id channel type occurredAt summary status }
      }
    }
  }
}`

const peerBrambleOne = `query PeerOne($id: ID!) {
  customer(id: $id) {
    id givenName familyName email phone city country
    orders(first: 5) { id placedAt status channel total { amount currency } items { sku name quantity unitPrice { amount currency } } }
    interactions(first: 5) { id channel type occurredAt summary status }
  }
}`

const peerBrambleFifty = `query PeerFifty {
  customerPage(first: 50) {
    nodes {
      id givenName familyName email phone city country
      orders(first: 5) { id placedAt status channel total { amount currency } items { sku name quantity unitPrice { amount currency } } }
      interactions(first: 5) { id channel type occurredAt summary status }
    }
  }
}`

// The peer scenarios' operations.
const (
	PeerOne   = "one customer"
	PeerFifty = "50 customers"
)

// peerOperation is the operation of scenario op for a Harmony gateway or
// for bramble.
func peerOperation(op string, bramble bool) Operation {
	switch {
	case op == PeerOne && bramble:
		return Operation{Name: op, Query: peerBrambleOne, Vars: byKey}
	case op == PeerOne:
		return Operation{Name: op, Query: peerHarmonyOne, Vars: byKey}
	case bramble:
		return Operation{Name: op, Query: peerBrambleFifty}
	default:
		return Operation{Name: op, Query: peerHarmonyFifty}
	}
}
