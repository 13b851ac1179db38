package rest

import (
	"context"
	"net/http"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// EventsBlock maps the JSON bodies the system POSTs to the gateway's
// webhook endpoint onto events. The delivery's signature is checked by the
// gateway, from the instance's `webhook` block, before the body is read.
//
//	events:
//	  records: $.events          # the list of events; empty: the whole body
//	  id: $.id                   # the system's event ID (required)
//	  type: $.type
//	  customer_key: $.user_id    # or email / phone / whatsapp
//	  interaction:               # an InteractionMapping over each event
//	    id: $.message.id
//	    occurred_at: $.created_at
//	    channel: $.channel
type EventsBlock struct {
	jsonmap.EventMapping `yaml:",inline"`
}

// ParseEvents decodes a delivery and maps its events. Errors name the
// failing record and field, never a value of the body.
func (c *Connector) ParseEvents(_ context.Context, _ http.Header, body []byte) ([]connectors.Event, error) {
	if c.events == nil {
		return nil, unconfigured(connectors.CapEvents)
	}
	doc, err := jsonmap.DecodeBytes(body)
	if err != nil {
		return nil, connectors.Errorf(connectors.CodeBadResponse, "webhook body is not JSON")
	}
	return c.events.Map(doc)
}
