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
//	POST /crm/v3/objects/contacts/search   route "contacts.search"
//	  {"filterGroups":[{"filters":[{"propertyName":"email","operator":"IN","values":[...]}]},
//	                   {"filters":[{"propertyName":"phone","operator":"IN","values":[...]}]}],
//	   "properties":["firstname",...],"limit":200}
//	  -> {"total":N,"results":[...]} (contacts as batch read writes them)
//
// Properties are firstname, lastname, email, phone, city, country (ISO
// alpha-2), date_of_birth (YYYY-MM-DD) and hs_language; unset ones are
// null. Without "properties" all are returned; otherwise the known ones
// asked for. Batch read keeps input order, omits unknown ids, drops
// repeated ids and refuses more than 100 inputs; with "idProperty":"email"
// the inputs are e-mail addresses, matched case-insensitively, as HubSpot
// allows for unique properties. List pages go by ascending id; limit
// defaults to 10 and is capped at 100. Search ORs its filter groups (at
// most 5) and ANDs the filters of a group; a filter is EQ (value) or IN (up
// to 100 values) on email, matched case-insensitively, or phone, matched on
// digits whatever the stored spelling (international, 00-prefixed or
// national). Results go by ascending id, at most limit (default 10, up to
// 200); total counts every match.
package crm
