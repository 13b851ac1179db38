// Package mailing simulates a Mailchimp-like e-mail marketing API on
// loopback: one audience ("main") of members and their campaign activity.
// Authentication is HTTP basic with any user and the API key as password.
//
// A member's id is Mailchimp's subscriber hash: the hex MD5 of the
// lower-cased, trimmed e-mail address (population.SubscriberHash).
//
//	GET /3.0/lists/main/members?ids=h1,h2           route "members.get"
//	GET /3.0/lists/main/members?count=100&offset=0  route "members.list"
//	  -> {"members":[{"id","email_address","status","merge_fields":{"FNAME","LNAME","PHONE"},
//	      "language","last_changed"}],"total_items":N}
//	GET /3.0/activity?member_ids=h1,h2&since=&until=&count_per_member=6  route "activity"
//	  -> {"activity":[{"id":"ev_1","member_id","action":"sent"|"open"|"click"|"survey_response",
//	      "timestamp","campaign_id","campaign_title","url","survey_score"}]}
//
// members.get keeps input order, drops repeats and unknown ids, refuses more
// than 100 ids, and also accepts an e-mail address in place of its hash;
// total_items is the number returned. members.list pages by offset in id
// order (count defaults to 10, capped at 1000) and total_items counts the whole
// audience. Empty merge fields are "" as in Mailchimp. Activity comes
// grouped by member in input order, each member's newest first (ties:
// higher id first), at most count_per_member (0 to 1000, default 10) each,
// since/until RFC 3339 and inclusive; url is "" except for clicks. Lists
// other than "main" answer 404.
//
// Once a quarter the audience is sent a relationship survey ("How likely
// are you to recommend us?", the Net Promoter question); an answer is an
// activity "survey_response" whose campaign_id is the survey's
// ("nps-2026-10") and survey_score the answer, 0 to 10 (absent on other
// actions). Surveys and SurveyAnswers say who answered what.
package mailing
