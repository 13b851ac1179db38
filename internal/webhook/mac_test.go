package webhook_test

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // G505: the vendors' scheme under test
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
)

func hexMAC(alg, key, payload string) string {
	h := sha256.New
	if alg == "sha1" {
		h = func() hash.Hash { return sha1.New() } //nolint:gosec // G401: GitHub's legacy X-Hub-Signature scheme is HMAC-SHA1
	}
	m := hmac.New(h, []byte(key))
	m.Write([]byte(payload))
	return hex.EncodeToString(m.Sum(nil))
}

func b64MAC(key, payload string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(payload))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
