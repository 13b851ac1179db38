package playground

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// LoadExamples reads the operations of a directory as playground examples:
// each NAME.graphql is one, with its variables in NAME.json when that file
// exists. They are sorted by the number NAME starts with, so that
// 10-search comes after 9-history and not after 1-customer; names without
// a number follow, by name.
func LoadExamples(fsys fs.FS) ([]Example, error) {
	names, err := fs.Glob(fsys, "*.graphql")
	if err != nil {
		return nil, fmt.Errorf("examples: %w", err)
	}
	out := make([]Example, 0, len(names))
	for _, n := range names {
		q, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("examples: %w", err)
		}
		name := strings.TrimSuffix(n, path.Ext(n))
		vars, err := fs.ReadFile(fsys, name+".json")
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("examples: %w", err)
		}
		out = append(out, Example{Name: name, Query: string(q), Variables: strings.TrimSpace(string(vars))})
	}
	SortExamples(out)
	return out, nil
}

// SortExamples sorts examples by the number their names start with, then
// by name; names without a number come last.
func SortExamples(ex []Example) {
	slices.SortStableFunc(ex, func(a, b Example) int {
		na, oka := leadingNumber(a.Name)
		nb, okb := leadingNumber(b.Name)
		switch {
		case oka && okb && na != nb:
			return cmp.Compare(na, nb)
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
}

func leadingNumber(name string) (int, bool) {
	end := 0
	for end < len(name) && name[end] >= '0' && name[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(name[:end])
	return n, err == nil
}
