package sql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Placeholder names a query may use.
const (
	PKeys   = "keys"   // the batch's keys
	PSince  = "since"  // window lower bound, NULL when unbounded
	PUntil  = "until"  // window upper bound, NULL when unbounded
	PLimit  = "limit"  // items per key, or the page size of list_profiles
	PCursor = "cursor" // list_profiles: the last key of the previous page, "" on the first
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Rewrite replaces the named placeholders (:keys, :since, ...) of query with
// the dialect's positional parameters: $1, $2, ... for postgres, ?1, ?2, ...
// for sqlite, numbered by first appearance (a name used twice is one
// parameter). String literals, quoted identifiers, comments and (postgres)
// dollar-quoted strings are left alone, and so is the `::` cast operator,
// so `:until::timestamptz` is the until parameter cast to timestamptz.
//
// It returns the rewritten query and the placeholder names in parameter
// order. Names outside allowed, and positional parameters written by hand
// ($1 for postgres, ? for sqlite), are errors.
func Rewrite(dialect, query string, allowed []string) (string, []string, error) {
	var out strings.Builder
	var names []string
	n := len(query)
	line := 1
	for i := 0; i < n; {
		c := query[i]
		switch {
		case c == '\n':
			line++
			out.WriteByte(c)
			i++
		case c == '\'':
			// String literal; '' escapes a quote. E'...' (postgres) also
			// takes backslash escapes.
			backslash := dialect == Postgres && i > 0 && (query[i-1] == 'E' || query[i-1] == 'e') &&
				(i < 2 || !isIdent(query[i-2]))
			j := i + 1
			for j < n {
				if backslash && query[j] == '\\' {
					j += 2
					continue
				}
				if query[j] == '\'' {
					if j+1 < n && query[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= n {
				return "", nil, fmt.Errorf("line %d: unterminated string literal", line)
			}
			line += strings.Count(query[i:j+1], "\n")
			out.WriteString(query[i : j+1])
			i = j + 1
		case c == '"' || (c == '`' && dialect == SQLite):
			j := strings.IndexByte(query[i+1:], c)
			if j < 0 {
				return "", nil, fmt.Errorf("line %d: unterminated quoted identifier", line)
			}
			line += strings.Count(query[i:i+j+2], "\n")
			out.WriteString(query[i : i+j+2])
			i += j + 2
		case c == '-' && i+1 < n && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = n - i
			}
			out.WriteString(query[i : i+j])
			i += j
		case c == '/' && i+1 < n && query[i+1] == '*':
			// Block comment; postgres nests them.
			depth, j := 1, i+2
			for j < n && depth > 0 {
				switch {
				case dialect == Postgres && query[j] == '/' && j+1 < n && query[j+1] == '*':
					depth++
					j += 2
				case query[j] == '*' && j+1 < n && query[j+1] == '/':
					depth--
					j += 2
				default:
					j++
				}
			}
			if depth > 0 {
				return "", nil, fmt.Errorf("line %d: unterminated comment", line)
			}
			line += strings.Count(query[i:j], "\n")
			out.WriteString(query[i:j])
			i = j
		case c == '$' && dialect == Postgres:
			// $1 (positional parameter) or $tag$...$tag$ (dollar quoting).
			if i+1 < n && query[i+1] >= '0' && query[i+1] <= '9' && (i == 0 || !isIdent(query[i-1])) {
				return "", nil, fmt.Errorf("line %d: positional parameter $%c: use the named placeholders (%s)", line, query[i+1], placeholderList(allowed))
			}
			if i > 0 && isIdent(query[i-1]) { // part of an identifier (a$b)
				out.WriteByte(c)
				i++
				continue
			}
			j := i + 1
			for j < n && isIdent(query[j]) && (j != i+1 || query[j] < '0' || query[j] > '9') {
				j++
			}
			if j < n && query[j] == '$' {
				tag := query[i : j+1]
				end := strings.Index(query[j+1:], tag)
				if end < 0 {
					return "", nil, fmt.Errorf("line %d: unterminated dollar-quoted string", line)
				}
				stop := j + 1 + end + len(tag)
				line += strings.Count(query[i:stop], "\n")
				out.WriteString(query[i:stop])
				i = stop
				continue
			}
			out.WriteByte(c)
			i++
		case c == '?' && dialect == SQLite:
			return "", nil, fmt.Errorf("line %d: positional parameter ?: use the named placeholders (%s)", line, placeholderList(allowed))
		case c == ':' && i+1 < n && query[i+1] == ':':
			out.WriteString("::")
			i += 2
		case c == ':' && i+1 < n && isIdentStart(query[i+1]):
			j := i + 1
			for j < n && isIdent(query[j]) {
				j++
			}
			name := query[i+1 : j]
			if !slices.Contains(allowed, strings.ToLower(name)) {
				return "", nil, fmt.Errorf("line %d: unknown placeholder :%s (this query may use %s)", line, name, placeholderList(allowed))
			}
			name = strings.ToLower(name)
			idx := slices.Index(names, name)
			if idx < 0 {
				names = append(names, name)
				idx = len(names) - 1
			}
			if dialect == Postgres {
				out.WriteString("$" + strconv.Itoa(idx+1))
			} else {
				out.WriteString("?" + strconv.Itoa(idx+1))
			}
			i = j
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.String(), names, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdent(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c >= 0x80 }

func placeholderList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = ":" + n
	}
	return strings.Join(out, ", ")
}
