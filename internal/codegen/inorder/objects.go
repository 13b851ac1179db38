package main

import (
	"bytes"
	"fmt"
	"os"
)

// Objects. Each generated object marshaller makes a graphql.DeferredGroup
// (its path, a field set and a map) and returns its *graphql.FieldSet,
// whose MarshalGQL copies every field to the heap and keeps a map of the
// aliases written. A customer 360 marshals about a hundred objects. The
// rewrite points them at graph.deferredGroup, empty unless a field is
// deferred, and returns graph.objectFields, which writes the same object
// without either.
var objectEdits = []struct{ from, to string }{
	{"\tdeferred := graphql.NewDeferredGroup(ctx)\n", "\tdeferred := deferredGroup(ctx, fields)\n"},
	{"\tout := graphql.NewFieldSet(fields)\n", ""}, // counted only: every object has one
	{"\n\treturn out\n}\n", "\n\treturn objectFields{set: out, fields: fields}\n}\n"},
}

// rewriteObjects rewrites the object marshallers of dir's generated files
// and returns how many it rewrote. Each of the edits must match once per
// object, or gqlgen's template has changed and the rewrite refuses.
func rewriteObjects(root *os.Root, files []string) (int, error) {
	total := 0
	for _, f := range files {
		b, err := root.ReadFile(f)
		if err != nil {
			return 0, err
		}
		n := bytes.Count(b, []byte(objectEdits[1].from))
		for _, e := range objectEdits {
			if c := bytes.Count(b, []byte(e.from)); c != n {
				return 0, fmt.Errorf("%s: %d objects but %d of %q: has gqlgen's template changed?", f, n, c, e.from)
			}
		}
		if n == 0 {
			continue
		}
		for _, e := range objectEdits {
			if e.to != "" {
				b = bytes.ReplaceAll(b, []byte(e.from), []byte(e.to))
			}
		}
		if err := root.WriteFile(f, b, 0o600); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
