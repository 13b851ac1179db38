#!/usr/bin/env bash
# `make cluster` / `make cluster-down`: the production topology in
# miniature on this machine (docs/deploy.md):
#
#   - `harmony store serve` over PostgreSQL (database harmony_cluster),
#     the replicas' shared MongoDB-wire store, on $CLUSTER_STORE_ADDR;
#   - three `harmony serve` replicas on 127.0.0.1:$CLUSTER_PORTS, sharing
#     that store, Redis (cache and rate limits) and NATS (the bus);
#   - the demo's channel simulators in a process of their own
#     (`harmony-bench upstreams`, the point of sale on PostgreSQL).
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust login) and Redis
# on 127.0.0.1:6379; NATS on 127.0.0.1:4222 is used when it answers, else
# one is started (the nats-server Go module, scripts/cluster).
# Pid files, logs and the configuration go to .cluster/ (git-ignored).
#
#   scripts/cluster.sh up     start everything, print the replicas' URLs
#   scripts/cluster.sh down   stop what up started, drop nothing
set -euo pipefail

DIR=${CLUSTER_DIR:-.cluster}
STORE_ADDR=${CLUSTER_STORE_ADDR:-127.0.0.1:27117}
PORTS=${CLUSTER_PORTS:-"8181 8182 8183"}
PEOPLE=${CLUSTER_PEOPLE:-1000}
PG_URL=${CLUSTER_POSTGRESQL_URL:-"postgres://postgres@127.0.0.1:5432/harmony_cluster?sslmode=disable"}
POS_DSN=${CLUSTER_POS_DSN:-"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}
REDIS=${CLUSTER_REDIS:-127.0.0.1:6379}
NATS=${CLUSTER_NATS:-127.0.0.1:4222}

say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }

answers() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

# wait_line FILE PATTERN PID SECONDS: wait until FILE has a line matching
# PATTERN (the process's ready signal), or the process ends, or time runs out.
wait_line() {
	local file=$1 pattern=$2 pid=$3 deadline=$((SECONDS + $4))
	until grep -q -- "$pattern" "$file" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { say "$(basename "$file") ended before it was ready:"; tail -n 20 "${file%.out}.log" >&2; return 1; }
		((SECONDS < deadline)) || { say "$(basename "$file"): not ready in $4 s"; return 1; }
		sleep 0.2
	done
}

# start NAME CMD...: run CMD detached, stdout to NAME.out, stderr to NAME.log.
start() {
	local name=$1; shift
	setsid "$@" >"$DIR/$name.out" 2>"$DIR/$name.log" </dev/null &
	echo $! >"$DIR/$name.pid"
}

up() {
	mkdir -p "$DIR"; chmod 700 "$DIR"
	for f in "$DIR"/*.pid; do
		[ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && die "already running ($f): make cluster-down first"
	done
	answers 127.0.0.1:5432 || die "no PostgreSQL on 127.0.0.1:5432 (scripts/test-services.sh start can run one)"
	answers "$REDIS" || die "no Redis on $REDIS"
	say "building bin/harmony, bin/harmony-bench and the cluster helper"
	go build -trimpath -o bin/harmony ./cmd/harmony
	go build -trimpath -o bin/harmony-bench ./bench/cmd/harmony-bench
	go build -trimpath -o bin/cluster ./scripts/cluster

	if answers "$NATS"; then
		say "NATS: the server answering on $NATS"
	else
		start nats bin/cluster nats -addr "$NATS"
		wait_line "$DIR/nats.out" '^listening ' "$(cat "$DIR/nats.pid")" 20
		say "NATS: started on $NATS"
	fi

	start store bin/harmony store serve --addr "$STORE_ADDR" --postgresql-url "$PG_URL" --ready-file "$DIR/store.ready"
	wait_line "$DIR/store.out" 'is ready: ' "$(cat "$DIR/store.pid")" 60
	local uri; uri=$(cat "$DIR/store.ready")
	local db=${PG_URL##*/}
	say "store server: $uri over PostgreSQL (database ${db%%\?*})"

	start simulators bin/harmony-bench upstreams --people "$PEOPLE" --pos-dsn "$POS_DSN"
	wait_line "$DIR/simulators.out" '^listening ' "$(cat "$DIR/simulators.pid")" 120
	local control; control=$(sed -n 's/^listening //p' "$DIR/simulators.out")
	curl -fsS "http://$control/vars" >"$DIR/vars.json"
	say "simulators: control API http://$control (GET /vars, /counts; POST /latency)"

	if [ ! -s "$DIR/secrets.env" ]; then
		umask 077
		printf 'CACHE_SALT=%s\nHARMONY_SUPPRESSION_SALT=%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
			"$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$DIR/secrets.env"
	fi
	bin/cluster config -sync-on-start >"$DIR/first.yaml"
	bin/cluster config >"$DIR/others.yaml"
	# Each replica's environment: the simulators' variables, the services, the secrets.
	local -a env=(env)
	while IFS= read -r kv; do env+=("$kv"); done < <(jq -r 'to_entries[] | "\(.key)=\(.value)"' "$DIR/vars.json")
	while IFS= read -r kv; do env+=("$kv"); done <"$DIR/secrets.env"
	env+=("HARMONY_MONGODB_URI=$uri" "REDIS_URL=redis://$REDIS/0" "NATS_URL=nats://$NATS")

	local i=0
	for port in $PORTS; do
		i=$((i + 1))
		local cfg=$DIR/others.yaml
		[ $i -eq 1 ] && cfg=$DIR/first.yaml
		start "replica$i" "${env[@]}" bin/harmony serve --config "$cfg" --addr "127.0.0.1:$port"
		# The first replica links the identities before it says it is ready.
		wait_line "$DIR/replica$i.out" 'graphql: ' "$(cat "$DIR/replica$i.pid")" 300
		say "replica $i: http://127.0.0.1:$port/ (logs $DIR/replica$i.log)"
	done
	say "up. make cluster-down stops it."
}

down() {
	[ -d "$DIR" ] || { say "nothing to stop"; return 0; }
	local stopped=0
	for name in replica3 replica2 replica1 simulators store nats; do
		local f=$DIR/$name.pid
		[ -e "$f" ] || continue
		local pid; pid=$(cat "$f")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid"
			for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
			kill -0 "$pid" 2>/dev/null && { say "$name did not stop in 15 s: SIGKILL"; kill -KILL "$pid"; }
			stopped=$((stopped + 1))
		fi
		rm -f "$f"
	done
	say "stopped $stopped processes (logs stay in $DIR)"
}

case ${1:-} in
up) up ;;
down) down ;;
*) die "usage: scripts/cluster.sh up|down" ;;
esac
