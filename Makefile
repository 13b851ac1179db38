# Harmony's commands. `make run` and `make test` are the two the README gives.
SHELL := /bin/bash
GO ?= go
GOLANGCI_LINT_VERSION := v2.15.0
ARGS ?=

.PHONY: run test test-short build generate client-types lint assets tools check-generated clean fuzz bench gobench identity-eval cluster cluster-down

## run: the embedded demo (simulators, embedded store, playground at http://127.0.0.1:8080/,
## the Customer 360 console at http://127.0.0.1:8080/console)
## On a fresh clone, compiling takes most of the wait: the dependencies
## compile while `make assets` fetches and builds the front end (mostly
## network), and `go run` then compiles only Harmony's own packages.
run:
	@$(GO) list -deps -f '{{if and .Module (not .Module.Main)}}{{.ImportPath}}{{end}}' ./cmd/harmony 2>/dev/null \
		| xargs $(GO) build >/dev/null 2>&1 & \
	$(MAKE) --no-print-directory assets; status=$$?; wait; exit $$status
	$(GO) run ./cmd/harmony $(ARGS)

# The packages whose tests take longest, named first so that go test starts
# them first: listed last (alphabetically, as ./... has them), the end-to-end
# tests ran alone for a minute at the end. ./... still covers every package.
# -trimpath keeps the build cache's entries independent of the checkout's
# directory, so that a fresh clone of code built before (CI's) compiles
# nothing again: without it, the packages of a new clone are all rebuilt
# (about 90 s of vet and -race compiling on 2 cores).
TEST_FIRST := ./internal/e2e ./internal/clustertest ./internal/identity ./internal/console ./internal/clients ./connectors/mongodb \
	./internal/store ./internal/server

## test: every test, with the race detector. scripts/test-services.sh first
## finds or starts PostgreSQL and Redis (installing Debian's packages when run
## as root with apt-get) and stops what it started at the end; NATS runs
## inside the tests when none answers on 127.0.0.1:4222. Tests whose service
## is missing skip, and one line at the end names it (on CI they fail). Then
## the webhook durability test at full size (10,000 events and a restart)
## without the race detector, which slows the in-process store sixfold, and
## gobench's benchmarks once each, so that their checks cannot rot. The
## tests' logs and output are captured, then scanned for the demo
## population's e-mails and phones (internal/testlog, internal/logscan).
## The client snippets of docs/clients.md run in Node against the demo
## (internal/clients, with docs/clients/package-lock.json's packages); without
## node and npm that test skips and the summary line names Node.js.
test: assets check-generated
	$(GO) vet -trimpath ./...
	@capture=$$(mktemp -d); services=$$(mktemp -d); \
	trap 'scripts/test-services.sh summary $$services/skips; scripts/test-services.sh stop $$services; rm -rf $$capture $$services' EXIT; \
	env=$$(scripts/test-services.sh start $$services) && eval "$$env"; \
	mkdir -p $$services/skips; export HARMONY_TEST_SKIPS=$$services/skips HARMONY_LOG_CAPTURE=$$capture; \
	$(GO) test -trimpath -race -count=1 -timeout 45m $(TEST_FIRST) ./... 2>&1 | tee $$capture/go-test.log; \
	status=$${PIPESTATUS[0]}; if [ $$status -ne 0 ]; then exit $$status; fi; \
	HARMONY_E2E_WEBHOOK_EVENTS=10000 $(GO) test -trimpath -count=1 -timeout 10m \
		-run '^TestWebhookEventsStoredExactlyOnce$$' -v ./internal/e2e/ 2>&1 | grep -v '^=== ' | tee -a $$capture/go-test.log; \
	status=$${PIPESTATUS[0]}; if [ $$status -ne 0 ]; then exit $$status; fi; \
	$(GO) test -trimpath -count=1 -run '^$$' -bench . -benchtime 1x $(GOBENCH_PKGS) 2>&1 | tee -a $$capture/go-test.log; \
	status=$${PIPESTATUS[0]}; if [ $$status -ne 0 ]; then exit $$status; fi; \
	$(GO) run -trimpath ./scripts/logscan $$capture

## cluster: the production topology in miniature (docs/deploy.md): `harmony
## store serve` over PostgreSQL, three `harmony serve` replicas on 8181-8183
## sharing it with Redis and NATS, and the demo's simulators; pid files and
## logs in .cluster/. Needs PostgreSQL (5432) and Redis (6379)
cluster: assets
	@scripts/cluster.sh up

## cluster-down: stop what make cluster started
cluster-down:
	@scripts/cluster.sh down

## test-short: the same without the race detector, for a quick loop
test-short: assets
	$(GO) test -count=1 ./...

## build: the binary in bin/
build: assets
	$(GO) build -o bin/harmony ./cmd/harmony

## generate: regenerate gqlgen's executor and models from graph/schema, the
## configuration schema, and the clients' possibleTypes
generate: client-types
	$(GO) generate ./...

## client-types: docs/clients/possibleTypes.json, the interfaces and unions of
## graph/schema with their object types, for Apollo Client's InMemoryCache
## (docs/clients.md); a test fails when it is stale
client-types:
	$(GO) run ./scripts/possibletypes > docs/clients/possibleTypes.json.tmp
	mv docs/clients/possibleTypes.json.tmp docs/clients/possibleTypes.json

## check-generated: fail when the generated code is not what the schema gives
check-generated:
	@before=$$(cat graph/*.go graph/model/*.go resolvers/*.go | sha256sum); \
	$(GO) generate ./graph/... && \
	after=$$(cat graph/*.go graph/model/*.go resolvers/*.go | sha256sum); \
	if [ "$$before" != "$$after" ]; then \
		echo "generated code was stale or edited by hand; it has been regenerated: review and commit"; exit 1; fi

## lint: golangci-lint, pinned
lint:
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...

## fuzz: run each fuzz target of FUZZ_TARGETS (package:FuzzName pairs) for FUZZTIME
## (default 30s each); the seed corpora are in each package's testdata/fuzz/.
## New targets: add a package:FuzzName pair to FUZZ_TARGETS
FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 5s
FUZZ_TARGETS ?= \
	./internal/server:FuzzQueryPath \
	./internal/server:FuzzFragments \
	./internal/config:FuzzConfigParse \
	./internal/webhook:FuzzWebhookParse \
	./connectors/jsonmap:FuzzDecode \
	./connectors/jsonmap:FuzzPathFastPath \
	./connectors/jsonmap:FuzzNumberValue \
	./connectors/jsonmap:FuzzReader \
	./connectors/rest:FuzzTemplateFastPath
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg; \
	done

## bench: the upstreams (the demo's systems, the point of sale on PostgreSQL,
## three peer subgraphs) in a process of their own; the instrument's scaling
## check; the gateway child (in-memory store) beside a bare Go fan-out, closed
## loop and open model; `harmony serve` (bin/harmony, embedded store); the
## peer comparison, with movio/bramble when BRAMBLE names its binary; one table
## of every target. About 6 minutes on 2 cores; needs PostgreSQL on
## 127.0.0.1:5432. Results in bench/results/ (git-ignored). BENCH_ARGS: e.g.
## --phase 8s --peer-rounds 5 --peer-phase 5s, --cpuprofile bench/results/pprof,
## --gateway-memlimit 48MiB. Then gobench with a short BENCHTIME
BENCH_ARGS ?=
bench: assets
	$(GO) build -o bin/harmony ./cmd/harmony
	$(GO) build -o bin/harmony-bench ./bench/cmd/harmony-bench
	./bin/harmony-bench --harmony bin/harmony $(BENCH_ARGS)
	$(MAKE) --no-print-directory gobench BENCHTIME=200ms

## gobench: the Go benchmarks of the guard, the loaders, timeline merging and
## identity lookups, benchstat-comparable (BENCHCOUNT=10 for benchstat)
BENCHTIME ?= 1s
BENCHCOUNT ?= 1
GOBENCH_PKGS := ./internal/sources ./internal/loaders ./internal/timeline ./internal/identity
gobench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) $(GOBENCH_PKGS)

## identity-eval: the identity accuracy harness (internal/identityeval, docs/identity-eval.md)
## at the full size, 1,600 people: one sync, syncs in other record orders and syncs
## spread over 1 to 5 runs through four rest connectors and the embedded store; prints
## false merges per trap class, recall on promised pairs, precision, partition
## differences and records read, and exits 1 when a check fails. About half a minute.
## SCALE=15000 (or 100000): one sync of that many people instead, with its wall time,
## peak memory and the read-back of every record through customersByIdentifiers.
## EVAL_ARGS: more flags, e.g. -seed 7, -orders 5, -honest-paging,
## -cpuprofile readback.pprof, -sync-cpuprofile sync.pprof
SCALE ?=
EVAL_ARGS ?=
identity-eval:
	$(GO) run ./internal/identityeval/cmd/identity-eval $(if $(SCALE),-scale $(SCALE)) $(EVAL_ARGS)

## assets: GraphiQL and React from the npm registry, checked against their hashes;
## the console (console/, TypeScript + Vite) built when its sources changed
assets:
	@./scripts/fetch-playground-assets.sh
	@./scripts/build-console.sh

clean:
	rm -rf bin harmony-data internal/playground/assets/dist internal/console/assets/dist
