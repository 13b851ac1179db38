// Package chatbot simulates an Ada-like customer-service chatbot on
// loopback: the end users it talked to (with the first name and the
// e-mail or phone number the bot asked for) and its conversations. A
// conversation the bot could not solve is handed off to a human agent in
// the helpdesk, where it continues as a helpdesk chat with the same thread
// ref ("T-…"); the others carry the bot's own ("B-…"). Authentication is a
// bearer token. Times are RFC 3339.
//
//	GET /api/v2/end-users?ids=eu_1,eu_2             route "end_users.get"
//	  -> {"data":[{"id","profile":{"first_name","email"|absent,"phone"|absent},"updated_at"}]}
//	GET /api/v2/end-users?limit=100&cursor=…        route "end_users.list"
//	  -> {"data":[...],"meta":{"next_cursor":"…"|null}}
//	GET /api/v2/conversations?end_user_ids=eu_1&created_since=&created_until=&per_end_user=10  route "conversations"
//	  -> {"data":[{"id":"bc_1","end_user_id","channel":"web_chat"|"in_app","topic",
//	      "status":"resolved_by_bot"|"abandoned"|"handed_off","created_at","ended_at","messages_count",
//	      "thread_ref","handoff":{"at","platform":"helpdesk"}|null}]}
//
// Lists of ids keep their order, drop repeats and unknown ids and refuse
// more than 100. End users are listed in id order, limit defaults to 50
// and is capped at 100. Conversations come grouped by end user in input
// order, each one's newest first, at most per_end_user (0 to 1000, default
// 10) each, created_since/created_until inclusive on created_at.
package chatbot
