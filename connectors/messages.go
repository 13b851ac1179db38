package connectors

import (
	"context"
	"time"
)

// CapMessages is the capability of a ThreadMessageSource.
const CapMessages Capability = "messages"

// Message is one message of a thread: a chat line, a WhatsApp message, a
// bot's answer.
type Message struct {
	// ID is the message's native ID in its system.
	ID string
	// Thread is the native ID of the interaction (the conversation) the
	// message belongs to; it must equal the key it answers.
	Thread string
	// Author is AuthorCustomer, AuthorAgent or AuthorBot; "" if unknown.
	Author string
	// Channel is a Channel* constant; "" means the interaction's channel.
	Channel string
	SentAt  time.Time
	// Text is what was written. It is personal data: never log it.
	Text string
}

// ThreadMessageSource reads the messages of conversations, for systems
// whose interactions are whole conversations (a helpdesk ticket, a chat, a
// bot conversation) rather than single messages.
type ThreadMessageSource interface {
	// Messages returns out[i], the messages of the interaction whose
	// native ID is threads[i], oldest first. An interaction without
	// messages (or unknown to the system) gets an empty slice; an error
	// fails the whole batch.
	Messages(ctx context.Context, threads []string) ([][]Message, error)
}
