// Package config loads Harmony's YAML configuration: strict decoding (an
// unknown key is an error), ${ENV} expansion for secrets, defaults and
// validation. Every error names the file, the line, the key and the reason,
// and never repeats a value.
package config
