// Package crm simulates a HubSpot-like CRM's contacts API on loopback,
// serving the CRM records of a population (mixed-case e-mail, spaced or
// national phones, some fields missing). Authentication is
// "Authorization: Bearer <token>".
//
//	POST /crm/v3/objects/contacts/batch/read   route "contacts.batch_read"
//	  {"inputs":[{"id":"1001"}],"properties":["firstname",...],"idProperty":"email"?}
//	  -> {"status":"COMPLETE","results":[{"id","properties":{...},"createdAt","updatedAt"}]}
//	GET  /crm/v3/objects/contacts?limit=100&after=<cursor>&properties=a,b   route "contacts.list"
//	  -> {"results":[...],"paging":{"next":{"after":"<cursor>"}}} (no paging on the last page)
//
// Properties are firstname, lastname, email, phone, city, country (ISO
// alpha-2), date_of_birth (YYYY-MM-DD) and hs_language; unset ones are
// null. Without "properties" all are returned; otherwise the known ones
// asked for. Batch read keeps input order, omits unknown ids, drops
// repeated ids and refuses more than 100 inputs; with "idProperty":"email"
// the inputs are e-mail addresses, matched case-insensitively, as HubSpot
// allows for unique properties. List pages go by ascending id; limit
// defaults to 10 and is capped at 100.
package crm
