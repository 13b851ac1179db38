// Package simulators starts the ten channel simulators the demo, the
// end-to-end tests and the benchmarks use, over one deterministic
// population: a CRM (crm), an online store's GraphQL API (shop), a
// point-of-sale database (pos, SQLite or PostgreSQL), a helpdesk with chat
// and WhatsApp (helpdesk), e-mail marketing (mailing), a call center
// (calls), an SMS provider (sms), a social inbox (social), product
// analytics for the app and the website (analytics) and a chatbot
// (chatbot). All listen on loopback only.
//
// Start returns a Set; Vars gives the URLs, DSN and credentials under the
// names the gateway configuration uses, Get gives each simulator's request
// counts and fault switches through one small interface.
package simulators
