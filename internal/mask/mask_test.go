package mask_test

import (
	"testing"

	"github.com/harmonyhq/harmony/internal/mask"
)

func TestMask(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"email", mask.Email, "jane.doe@example.com", "j***@example.com"},
		{"email one letter", mask.Email, "j@example.com", "j***@example.com"},
		{"email unicode local", mask.Email, "élodie@exämple.fr", "é***@exämple.fr"},
		{"email empty local", mask.Email, "@example.com", "***@example.com"},
		{"email quoted at", mask.Email, `"a@b"@example.com`, `"***@example.com`},
		{"email without at", mask.Email, "not-an-email", "***"},
		{"email empty", mask.Email, "", ""},

		{"phone E.164", mask.Phone, "+33754415897", "+33*******97"},
		{"phone spaced international", mask.Phone, "+33 7 54 41 58 97", "+33 * ** ** ** 97"},
		{"phone national", mask.Phone, "06 12 34 56 78", "** ** ** ** 78"},
		{"whatsapp ID", mask.Phone, "33754415897", "*********97"},
		{"phone short international", mask.Phone, "+1234567", "+*****67"},
		{"phone five digits", mask.Phone, "12345", "*****"},
		{"phone two digits", mask.Phone, "12", "**"},
		{"phone empty", mask.Phone, "", ""},

		{"name", mask.Name, "Marie", "M***"},
		{"name one letter", mask.Name, "M", "M***"},
		{"name accented", mask.Name, "Élodie", "É***"},
		{"name non-Latin", mask.Name, "Дмитрий", "Д***"},
		{"name padded", mask.Name, "  Ana ", "A***"},
		{"name empty", mask.Name, "", ""},

		{"id", mask.ID, "LC-123456", "LC***"},
		{"id unicode", mask.ID, "ñé-42-x", "ñé***"},
		{"id short", mask.ID, "abc", "***"},
		{"id empty", mask.ID, "", ""},

		{"text", mask.Text, "Order #1234 for Marie Dupont", "***"},
		{"text empty", mask.Text, "", ""},

		{"date", mask.Date, "1985-04-12", "1985"},
		{"date year", mask.Date, "1985", "1985"},
		{"date time", mask.Date, "1985-04-12T00:00:00Z", "1985"},
		{"date other form", mask.Date, "12/04/1985", "***"},
		{"date long number", mask.Date, "19850412", "***"},
		{"date empty", mask.Date, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Errorf("%s(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
			}
		})
	}
}
