// Package logscan finds personal data of the demo population in captured logs
// and traces: the e-mail addresses and phone numbers of the generated people,
// in any of the formats the simulated systems write them.
//
// `make test` runs the whole suite with log capture on (see internal/testlog)
// and then scans what was captured, so a log line that leaks a customer's
// e-mail or phone fails the build. Findings name the file, the line and the
// kind of value, never the value itself.
package logscan
