package resolvers

import (
	"encoding/base64"
	"strings"

	"github.com/harmonyhq/harmony/internal/apperr"
)

// Customer list cursors are opaque to clients: the encoded ID of the last
// customer of a page.
const customerCursorPrefix = "customer:"

func encodeCustomerCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(customerCursorPrefix + id))
}

func decodeCustomerCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), customerCursorPrefix) {
		return "", apperr.Input("after is not a cursor of this list")
	}
	return strings.TrimPrefix(string(b), customerCursorPrefix), nil
}
