package connectors

import (
	"context"
	"slices"
)

// CapSend is the capability of sending messages to customers (actions).
// It is a mutation: the gateway never retries it by itself, so a message
// is sent at most once per call; IdempotencyKey lets a system drop a
// repeated request when the caller retries.
const CapSend Capability = "send"

// SendChannels lists the channels an OutboundMessage may name (see the
// Channel constants). On ChannelPhone the message asks the system for a
// callback task (a call center's agent calls the customer back): its
// Template says why.
var SendChannels = []string{ChannelEmail, ChannelWhatsApp, ChannelSMS, ChannelChat, ChannelPhone}

// MessageSender sends messages to customers through the system (a
// helpdesk's outbound WhatsApp, a mailing system's transactional e-mail).
type MessageSender interface {
	// SendMessages sends msgs: out[i] answers msgs[i]. A message the system
	// refused has its own Err and does not fail the others; an error fails
	// the whole batch (then nothing can be said about which were sent).
	SendMessages(ctx context.Context, msgs []OutboundMessage) ([]SendResult, error)
}

// ChannelSender is implemented by senders that reach customers only on
// some channels; a MessageSender without it is asked about every channel.
type ChannelSender interface {
	// SendChannels lists the channels (ChannelEmail...) the sender reaches.
	SendChannels() []string
}

// OutboundMessage is one message to send. Either Body or Template is set.
type OutboundMessage struct {
	// CustomerKey is the recipient's native key in the system.
	CustomerKey string
	// Channel is ChannelEmail, ChannelWhatsApp, ChannelSMS, ChannelChat or
	// ChannelPhone (a callback task).
	Channel string
	// Body is the message text. It is customer-facing content: never log it.
	Body string
	// Template names a template the system renders with Params.
	Template string
	// Params are the template's parameters.
	Params map[string]string
	// IdempotencyKey identifies the message across retries: a system that
	// supports it sends a message with a key it has seen only once.
	IdempotencyKey string
}

// SendResult is what happened to one message.
type SendResult struct {
	// MessageID is the system's ID of the message, "" when it was refused.
	MessageID string
	// Status is the system's status of the message (queued, sent...).
	Status string
	// Err is set when the system refused this message only.
	Err *Error
}

// SendableOnly refuses in out, one by one, the messages whose channel is
// not among channels (CodeRejected, never sent), and returns the indexes
// of the others in order. out answers msgs. Senders call it first, so
// that no message leaves on a channel the system was not configured for.
func SendableOnly(msgs []OutboundMessage, channels []string, out []SendResult) []int {
	var idx []int
	for i, m := range msgs {
		if !slices.Contains(channels, m.Channel) {
			out[i].Err = Errorf(CodeRejected, "send: message %d: channel %q is not one the connector sends on", i, m.Channel)
			continue
		}
		idx = append(idx, i)
	}
	return idx
}
