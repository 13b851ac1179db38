// Package helpdesk simulates a Zendesk-like helpdesk with chat, WhatsApp
// and e-mail conversations on loopback. Authentication is HTTP basic with
// user "<email>/token" and the API token as password.
//
//	GET /api/v2/users/show_many.json?ids=1,2,3                 route "users.show_many"
//	  -> {"users":[{"id":123,"name","email","phone","whatsapp","updated_at"}]}
//	GET /api/v2/users.json?page[size]=100&page[after]=<cursor> route "users.list"
//	  -> {"users":[...],"meta":{"has_more":true,"after_cursor":"..."}}
//	GET /api/v2/conversations.json?user_ids=1,2&since=&until=&per_user=6  route "conversations"
//	  -> {"conversations":[{"id":"cv_1","user_id":123,"channel","subject","status",
//	      "created_at","first_response_at","solved_at","thread_ref","messages_count",
//	      "satisfaction":{"score":"good","rating":5}|null}]}
//
// Ids are numbers; users.show_many keeps input order, drops repeats and
// unknown (or non-numeric) ids, and refuses more than 100 ids. E-mail
// is written as users typed it (sometimes padded with spaces or mixed
// case), phone as E.164, whatsapp as international digits; missing ones are
// null. users.list goes by ascending id, page[size] defaults to 100 and is
// capped at 100;
// after_cursor is that of the page's last user (null on an empty page),
// has_more says whether to follow it. Conversations come grouped by user in
// input order, each user's newest first (ties: higher id first), at most
// per_user (0 to 1000, default 10) each, since/until RFC 3339 and inclusive
// on created_at. Only solved conversations may be rated: score is
// Zendesk's good or bad, rating the same answer on the 1 to 5 CSAT scale
// (4 and 5 good).
//
// It also sends webhooks, as Zendesk does: SetWebhook names the receiver
// (the gateway's /webhooks/helpdesk), SendWebhook POSTs a delivery
// {"events":[{"id","type":"message.created","created_at","user_id",
// "message":{"id","conversation_id","channel","direction","preview",
// "thread_ref"}}]} signed with X-Zendesk-Webhook-Signature, the base64
// HMAC-SHA256 of the X-Zendesk-Webhook-Signature-Timestamp (RFC 3339)
// followed by the body, under the webhook secret. The authenticated
// control endpoint
//
//	POST /api/v2/_sim/webhooks/message {"user_id":123,"channel":"chat","preview":"..."}  route "webhooks.send"
//	  -> {"event_id":"whk_...","status":"200"}
//
// sends one such event, so a demo can show activity arriving live.
package helpdesk
