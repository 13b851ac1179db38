// Command inorder runs after gqlgen (graph/generate.go): it makes the
// generated executor marshal lists one element after the other on the
// calling goroutine, through graph.marshalSliceInOrder, instead of
// graphql.MarshalSliceConcurrently, which starts a goroutine per element
// even when exec.worker_limit is 1.
//
// Harmony needs no goroutine per element: the first customer of a level
// issues the reads of every customer (docs/batching.md), so the elements
// have nothing to wait for one another. A goroutine per element only costs
// its start and the growth of a fresh stack, about a tenth of a customer
// 360's CPU. gqlgen v0.17.98 has no option for it, hence this rewrite of
// its output; the call keeps gqlgen's signature, so the rewrite is one
// name, and it fails when gqlgen's output no longer holds the call, so a
// gqlgen upgrade cannot silently bring the goroutines back.
//
// It then gives leaf fields a fast path that skips gqlgen's per-field
// machinery (leaf.go says which fields and why) and lightens each object's
// marshaller (objects.go), and fails when it finds none, for the same
// reason.
//
// Usage: go run ./internal/codegen/inorder DIR (the generated package).
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
)

const (
	from = "graphql.MarshalSliceConcurrently("
	to   = "marshalSliceInOrder("
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: inorder DIR")
		os.Exit(2)
	}
	n, err := rewrite(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "inorder:", err)
		os.Exit(1)
	}
	if n == 0 {
		fmt.Fprintf(os.Stderr, "inorder: no %s call in %s/*.generated.go: has gqlgen's template changed?\n", from, os.Args[1])
		os.Exit(1)
	}
	leaves, err := leaves(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "inorder:", err)
		os.Exit(1)
	}
	if leaves == 0 {
		fmt.Fprintf(os.Stderr, "inorder: no leaf field in %s/*.generated.go: has gqlgen's template changed?\n", os.Args[1])
		os.Exit(1)
	}
}

// leaves gives dir's leaf fields their fast path and returns how many.
func leaves(dir string) (int, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, err
	}
	defer func() { _ = root.Close() }()
	files, err := fs.Glob(root.FS(), "*.generated.go")
	if err != nil {
		return 0, err
	}
	members, err := modelMembers(root)
	if err != nil {
		return 0, err
	}
	objects, err := rewriteObjects(root, files)
	if err != nil {
		return 0, err
	}
	if objects == 0 {
		return 0, fmt.Errorf("no object marshaller in %s/*.generated.go: has gqlgen's template changed?", dir)
	}
	return rewriteLeaves(root, files, members)
}

// rewrite renames the calls in dir's generated files and returns how many
// there were. Files are read and written inside dir only.
func rewrite(dir string) (int, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, err
	}
	defer func() { _ = root.Close() }()
	files, err := fs.Glob(root.FS(), "*.generated.go")
	if err != nil {
		return 0, err
	}
	total := 0
	for _, f := range files {
		b, err := root.ReadFile(f)
		if err != nil {
			return 0, err
		}
		n := bytes.Count(b, []byte(from))
		if n == 0 {
			continue
		}
		total += n
		// The file exists: WriteFile keeps its mode.
		if err := root.WriteFile(f, bytes.ReplaceAll(b, []byte(from), []byte(to)), 0o600); err != nil {
			return 0, err
		}
	}
	return total, nil
}
