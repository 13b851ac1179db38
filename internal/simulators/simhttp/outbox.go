package simhttp

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Sent is one message a simulator accepted for sending: who it went to and
// how, never what it said.
type Sent struct {
	ID        string    // the simulator's message ID
	Recipient string    // the recipient's native key
	Channel   string    // email, whatsapp, chat, sms
	At        time.Time // when it was accepted
}

// Outbox records the messages a simulator sent, so tests can see what went
// out. A message repeating an idempotency key already seen is not sent
// again: Send answers the first message's record. It is safe for
// concurrent use.
type Outbox struct {
	prefix string
	mu     sync.Mutex
	sent   []Sent
	byIdem map[string]int
}

// NewOutbox returns an empty outbox whose message IDs start with prefix.
func NewOutbox(prefix string) *Outbox {
	return &Outbox{prefix: prefix, byIdem: map[string]int{}}
}

// Send records a message to recipient on channel at, unless idem (when not
// "") was seen before: then it returns that message's record and false.
func (o *Outbox) Send(recipient, channel, idem string, at time.Time) (Sent, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if idem != "" {
		if i, ok := o.byIdem[idem]; ok {
			return o.sent[i], false
		}
	}
	s := Sent{ID: fmt.Sprintf("%s%d", o.prefix, len(o.sent)+1), Recipient: recipient, Channel: channel, At: at.UTC()}
	o.sent = append(o.sent, s)
	if idem != "" {
		o.byIdem[idem] = len(o.sent) - 1
	}
	return s, true
}

// Sent returns the messages sent, oldest first.
func (o *Outbox) Sent() []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.sent)
}

// To returns the messages sent to recipient, newest first.
func (o *Outbox) To(recipient string) []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Sent
	for i := len(o.sent) - 1; i >= 0; i-- {
		if o.sent[i].Recipient == recipient {
			out = append(out, o.sent[i])
		}
	}
	return out
}

// IsSent reports whether id is the ID of a message sent.
func (o *Outbox) IsSent(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.ContainsFunc(o.sent, func(s Sent) bool { return s.ID == id })
}
