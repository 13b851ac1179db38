// Package social simulates a social inbox on loopback, in the manner of
// Meta's Graph API for a brand's Instagram and Facebook pages: the people
// who wrote to the brand (each with the accounts they wrote from, and the
// e-mail or phone number they gave in a conversation), their direct
// messages and the brand's answers, and their public mentions and
// comments. Authentication is a bearer page access token. Times are
// RFC 3339.
//
//	GET /v19.0/{page}/contacts?ids=sc_000001,sc_000002   route "contacts.get"
//	  -> {"data":[{"id","name","first_name","last_name"|absent,"email"|absent,"phone"|absent,
//	      "accounts":[{"network":"instagram","username":"@Marie.Dupont"}],"updated_time"}]}
//	GET /v19.0/{page}/contacts?limit=100&after=<cursor>   route "contacts.list"
//	  -> {"data":[...],"paging":{"cursors":{"after":"…"},"next":"<url>"|absent}}
//	GET /v19.0/{page}/inbox?contact_ids=sc_1,sc_2&since=&until=&limit_per_contact=10  route "inbox"
//	  -> {"data":[{"id":"sm_1","contact_id","network","kind":"dm"|"mention"|"comment",
//	      "from":{"role":"customer"|"agent"},"message","created_time","thread_id"|absent}]}
//
// Lists of ids keep their order, drop repeats and unknown ids and refuse
// more than 100. Contacts are listed in id order, limit defaults to 25 and
// is capped at 100; the last page has neither "next" nor an "after"
// cursor. Inbox items come grouped
// by contact in input order, each contact's newest first, at most
// limit_per_contact (0 to 1000, default 10) each, since/until inclusive on
// created_time.
package social
