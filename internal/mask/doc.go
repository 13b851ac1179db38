// Package mask hides personal values from callers who may not see them in
// clear: it keeps just enough to tell values apart on screen (the first
// letter of a name, an e-mail's domain, a phone's last two digits, a year)
// and nothing of free text. The functions work on runes, so accented and
// non-Latin values are cut on character boundaries.
package mask
