package clients_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/clients.md shows each snippet as the tested file holds it.
func TestDocsShowTheTestedSnippets(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("..", "..", "docs", "clients.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)<!-- snippet: (clients/[a-z/-]+\\.m?js) -->\n```js\n(.*?)```\n").FindAllStringSubmatch(string(md), -1)
	want := []string{"apollo.mjs", "urql.mjs", "relay.mjs", "relay/fragments.js", "graphql-ws.mjs", "sse.mjs"}
	if len(blocks) != len(want) {
		t.Fatalf("docs/clients.md shows %d snippets, want %d (%v)", len(blocks), len(want), want)
	}
	for i, b := range blocks {
		if !strings.HasSuffix(b[1], want[i]) {
			t.Errorf("snippet %d is %s, want %s", i, b[1], want[i])
		}
		file, err := os.ReadFile(filepath.Join("..", "..", "docs", b[1]))
		if err != nil {
			t.Fatal(err)
		}
		if string(file) != b[2] {
			t.Errorf("docs/clients.md shows %s unlike the tested file: copy the file into the document", b[1])
		}
	}
}
