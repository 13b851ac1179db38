// Package analytics simulates Segment-like product analytics for the app
// and the website on loopback. The app and the site send events through
// the tracking API (track, page, screen, identify); the profile API reads
// them back per user, as Segment's Profiles API does after identity
// resolution: an event sent with only an anonymous ID (before the device
// logged in) belongs to a user once an identify links that anonymous ID to
// the user, and to nobody before. Authentication is a bearer token (the
// write key), as Segment's public API takes. Times are RFC 3339.
//
//	POST /v1/track     <- {"userId"|"anonymousId","event","properties":{"sku"},"context":{"source"},"timestamp","messageId"}
//	POST /v1/page      <- {"userId"|"anonymousId","name",...}     POST /v1/screen  <- the same
//	POST /v1/identify  <- {"userId","anonymousId","timestamp"}     routes "track", "page", "screen", "identify"
//	  -> {"success":true}
//	GET /v1/spaces/{space}/collections/users/profiles?user_ids=usr_40001,usr_40002  route "profiles.get"
//	  -> {"data":[{"user_id","traits":{"email","first_name","last_name","phone"|absent},"updated_at"}]}
//	GET /v1/spaces/{space}/collections/users/profiles?limit=100&cursor=…            route "profiles.list"
//	  -> {"data":[...],"cursor":{"has_more":true,"next":"…"}}
//	GET /v1/spaces/{space}/collections/users/events?user_ids=…&start=&end=&limit_per_user=10  route "events"
//	  -> {"data":[{"message_id":"evt_1","user_id","anonymous_id","type":"track"|"page"|"screen",
//	      "event"|"name","source":"ios"|"android"|"web","timestamp","properties":{"sku"}}]}
//
// Lists of ids keep their order, drop repeats and unknown ids and refuse
// more than 100. Profiles are listed in id order, limit defaults to 50 and
// is capped at 200. Events come grouped by user in input order, each
// user's newest first, at most limit_per_user (0 to 1000, default 10)
// each, start/end inclusive; identify calls are not events.
package analytics
