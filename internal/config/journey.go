package config

import (
	"fmt"
	"time"
)

// DefaultConversationWindow joins interactions into one conversation when
// no shared reference does: those of one customer on service channels less
// than this apart.
const DefaultConversationWindow = 48 * time.Hour

// Journey tunes the timeline and conversations.
type Journey struct {
	// ConversationWindow is the longest gap between two interactions of
	// one customer on service channels (chat, WhatsApp, phone, tickets)
	// that still continue one conversation when the systems share no
	// reference. Default 48h.
	ConversationWindow time.Duration `yaml:"conversation_window"`
}

func (j *Journey) defaults() {
	if j.ConversationWindow == 0 {
		j.ConversationWindow = DefaultConversationWindow
	}
}

func (j Journey) validate(file string) error {
	if j.ConversationWindow < time.Minute || j.ConversationWindow > 90*24*time.Hour {
		return &Error{File: file, Key: "journey.conversation_window", Reason: fmt.Sprintf("must be between 1m and 2160h, not %s", j.ConversationWindow)}
	}
	return nil
}
