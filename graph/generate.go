package graph

// gqlgen reads gqlgen.yml from the repository root, where its paths start.
//go:generate sh -c "cd .. && go tool gqlgen generate"

// Lists are marshalled in order, without a goroutine per element.
//go:generate go run ../internal/codegen/inorder .
