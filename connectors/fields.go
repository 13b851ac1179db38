package connectors

import (
	"fmt"
	"strings"
)

// SocialHandleField is the profile field holding a person's handle on one
// network, given without the network: "social_handle.instagram" holds
// "marie.d" (or "@marie.d"). It links like FieldSocialHandle's
// "instagram:marie.d".
func SocialHandleField(network string) string { return FieldSocialHandle + "." + network }

// CheckProfileField says whether name can be the name of a profile field a
// mapping fills. Any name can, except:
//
//   - social_handle.<network> whose network is not lower-case letters,
//     digits, '.', '_' or '-';
//   - a name that looks like an identifier field but is not one
//     ("phone_number", "mobile", "e-mail", "Email", "instagram"): it would
//     be kept as an extra field and never link anyone, so the mapping must
//     name the identifier field (phone, email, social_handle.instagram).
//
// The error's text says which field to use; it never holds a value.
func CheckProfileField(name string) error {
	if network, ok := strings.CutPrefix(name, FieldSocialHandle+"."); ok {
		if !networkName(network) {
			return fmt.Errorf("the network of %s.<network> must be lower-case letters, digits, '.', '_' or '-' (social_handle.instagram)", FieldSocialHandle)
		}
		return nil
	}
	switch name {
	case FieldEmail, FieldPhone, FieldWhatsApp, FieldLoyaltyCard, FieldSocialHandle:
		return nil
	}
	folded := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return r
	}, strings.ToLower(name))
	if use, ok := identifierLookalikes[folded]; ok {
		return fmt.Errorf("looks like an identifier but is not one, so it would never link anyone: map it as %s (identifier fields: %s)",
			use, strings.Join(identifierFieldNames, ", "))
	}
	for _, network := range socialNetworks {
		for _, suffix := range []string{"", "handle", "username", "user", "account", "profile"} {
			if folded == network+suffix {
				return fmt.Errorf("looks like a social handle but is not an identifier field, so it would never link anyone: map it as %s (identifier fields: %s)",
					SocialHandleField(network), strings.Join(identifierFieldNames, ", "))
			}
		}
	}
	return nil
}

// identifierFieldNames are the identifier fields a profile mapping names.
var identifierFieldNames = []string{FieldEmail, FieldPhone, FieldWhatsApp, FieldLoyaltyCard, FieldSocialHandle, FieldSocialHandle + ".<network>"}

// identifierLookalikes maps names, lower case without '-', '_', '.' and
// spaces, that systems use for an identifier to the field to map it as.
var identifierLookalikes = map[string]string{
	"email": FieldEmail, "mail": FieldEmail, "emailaddress": FieldEmail, "mailaddress": FieldEmail,
	"emailaddr": FieldEmail, "courriel": FieldEmail, "adressemail": FieldEmail, "adresseemail": FieldEmail,

	"phone": FieldPhone, "phonenumber": FieldPhone, "phoneno": FieldPhone, "telephone": FieldPhone,
	"telephonenumber": FieldPhone, "tel": FieldPhone, "mobile": FieldPhone, "mobilephone": FieldPhone,
	"mobilenumber": FieldPhone, "mobileno": FieldPhone, "cell": FieldPhone, "cellphone": FieldPhone,
	"cellnumber": FieldPhone, "msisdn": FieldPhone, "portable": FieldPhone, "gsm": FieldPhone,

	"whatsapp": FieldWhatsApp, "whatsappid": FieldWhatsApp, "whatsappnumber": FieldWhatsApp, "waid": FieldWhatsApp,

	"loyaltycard": FieldLoyaltyCard, "loyaltycardnumber": FieldLoyaltyCard, "loyaltynumber": FieldLoyaltyCard,
	"loyaltyid": FieldLoyaltyCard, "cartefidelite": FieldLoyaltyCard, "fidelitycard": FieldLoyaltyCard,

	"socialhandle": FieldSocialHandle,
}

// socialNetworks are networks whose name alone (or with "handle",
// "username"...) is taken for a social handle field.
var socialNetworks = []string{"instagram", "facebook", "twitter", "tiktok", "linkedin", "snapchat", "youtube",
	"pinterest", "telegram", "mastodon", "bluesky", "wechat"}

// networkName reports whether s is a network name: non-empty, lower-case
// letters, digits, '.', '_' and '-'.
func networkName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '.' && r != '_' && r != '-' {
			return false
		}
	}
	return true
}
