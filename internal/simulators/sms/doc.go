// Package sms simulates a Twilio-like SMS provider on loopback: the
// numbers it texts (Notify-style bindings, keyed by the number in E.164),
// the messages to and from them with their delivery status, and sending.
// Authentication is HTTP basic with the account SID and its auth token.
// Times are RFC 3339. Twilio answers messages one number at a time; this
// one also takes a list of numbers (Contacts), so a whole level of
// customers costs one request, and writes each message's customer-side
// number as "contact".
//
//	GET  /v1/Services/{ServiceSid}/Bindings?Address=+33…,+44…      route "bindings.get"
//	  -> {"bindings":[{"sid":"BS…","address":"+336…","binding_type":"sms","date_updated"}]}
//	GET  /v1/Services/{ServiceSid}/Bindings?PageSize=50&PageToken=… route "bindings.list"
//	  -> {"bindings":[...],"meta":{"key":"bindings","page_size":50,"next_page_token":"…"|null}}
//	GET  /2010-04-01/Accounts/{AccountSid}/Messages.json?Contacts=+33…&DateSentAfter=&DateSentBefore=&PageSizePerContact=10
//	     route "messages"
//	  -> {"messages":[{"sid":"SM…","account_sid","contact","to","from","direction":"inbound"|"outbound-api",
//	      "status":"delivered"|"undelivered"|"failed"|"sent"|"received"|"queued","body","date_sent","error_code"|null}]}
//	POST /2010-04-01/Accounts/{AccountSid}/Messages.json  route "messages.send"
//	  <- {"To":"+33…","Body":"…","idempotency_key":"…"}
//	  -> {"sid":"SM…","to","status":"queued"}
//
// Lists of numbers keep their order, drop repeats and unknown numbers and
// refuse more than 100. Messages come grouped by contact in input order,
// each contact's newest first, at most PageSizePerContact (0 to 1000,
// default 10) each, the bounds inclusive on date_sent. A message sent
// through the API joins the number's messages, status "queued"; its body
// is not kept.
package sms
