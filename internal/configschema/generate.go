package configschema

//go:generate go run ./gen
