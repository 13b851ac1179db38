#!/usr/bin/env bash
# The services `make test` needs besides Go: PostgreSQL and Redis. (NATS
# needs nothing here: internal/testenv uses the server on 127.0.0.1:4222
# or starts one inside the test process.)
#
#   scripts/test-services.sh start DIR    find or start them; print the
#                                         variables the tests need (eval them)
#   scripts/test-services.sh stop DIR     stop what start started
#   scripts/test-services.sh summary DIR  one line on the tests skipped for a
#                                         missing service (internal/testenv
#                                         records them in DIR)
#
# start uses, in order: a service the environment names
# (HARMONY_TEST_POSTGRES_DSN, HARMONY_TEST_REDIS_ADDR); one answering on
# its standard port (PostgreSQL with the postgres user and trust login,
# Redis without a password); the machine's PostgreSQL cluster, started when
# it is installed but down (as root); else a private instance of its own
# in DIR on a port of its own (55432, 56379), started from the installed
# binaries. When the binaries are missing and this runs as root with
# apt-get, it installs Debian's postgresql and redis-server first
# (HARMONY_TEST_INSTALL=0 turns that off). What it cannot provide, it says
# on stderr, and the tests that need it skip. stop stops only what start
# started.
#
# Needs: bash. Uses pg_isready/psql/initdb/pg_ctl and redis-server when present.
set -uo pipefail

PG_DEFAULT_DSN="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
PG_PRIVATE_PORT=55432
REDIS_PRIVATE_PORT=56379

say() { printf 'test-services: %s\n' "$*" >&2; }

is_root() { [ "$(id -u)" = 0 ]; }

can_install() {
	[ "${HARMONY_TEST_INSTALL:-1}" != 0 ] && is_root && command -v apt-get >/dev/null 2>&1
}

apt_updated=
apt_install() {
	can_install || return 1
	if [ -z "$apt_updated" ]; then
		apt-get update -qq >/dev/null 2>&1 || return 1
		apt_updated=1
	fi
	say "installing $* from the system's package manager"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

# on_stop records a command that stop runs (last recorded, first run).
on_stop() { printf '%s\n' "$*" >>"$state/stop"; }

# --- PostgreSQL -------------------------------------------------------------

pg_bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	done
	d=$(dirname "$(command -v initdb 2>/dev/null)" 2>/dev/null) && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	return 1
}

# pg_login DSN: the test login works (psql when installed, else the port).
pg_login() {
	local dsn=$1
	if command -v psql >/dev/null 2>&1; then
		PGCONNECT_TIMEOUT=3 psql "$dsn" -Atqc 'select 1' >/dev/null 2>&1
	else
		local hostport=${dsn#*@}
		hostport=${hostport%%/*}
		(exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}") 2>/dev/null
	fi
}

pg_wait() { # DSN: up to 30s for a starting server to take logins
	local i
	for i in $(seq 1 60); do
		pg_login "$1" && return 0
		sleep 0.5
	done
	return 1
}

# pg_system_start: the machine's cluster, installed but down, started as
# root; it is stopped again afterwards.
pg_system_start() {
	is_root && command -v pg_ctlcluster >/dev/null 2>&1 || return 1
	local v
	for v in $(ls /etc/postgresql 2>/dev/null | sort -V -r); do
		[ -d "/etc/postgresql/$v/main" ] || continue
		pg_ctlcluster --skip-systemctl-redirect "$v" main status >/dev/null 2>&1 && continue
		pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || continue
		on_stop "pg_ctlcluster --skip-systemctl-redirect $v main stop"
		if pg_wait "$PG_DEFAULT_DSN"; then
			say "started the machine's PostgreSQL $v (stopped after the tests)"
			return 0
		fi
		say "the machine's PostgreSQL $v started but refuses the test login (postgres, trust)"
	done
	return 1
}

# pg_private_start: a cluster of its own in $state, trust login on
# 127.0.0.1:$PG_PRIVATE_PORT, no fsync.
pg_private_start() {
	local bin dir=$state/postgres run=()
	bin=$(pg_bindir) || return 1
	mkdir -p "$dir"
	if is_root; then # initdb refuses to run as root
		id postgres >/dev/null 2>&1 || return 1
		chmod o+x "$state" # let the server's user reach its directory
		chown postgres "$dir" && chmod 700 "$dir"
		run=(runuser -u postgres --)
	fi
	"${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || {
		say "initdb failed (see $dir/initdb.log)"
		return 1
	}
	"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PRIVATE_PORT -k $dir -c fsync=off -c max_connections=200" \
		start >/dev/null 2>&1 || {
		say "a private PostgreSQL did not start on port $PG_PRIVATE_PORT (see $dir/server.log)"
		return 1
	}
	on_stop "${run[*]} $bin/pg_ctl -D $dir/data -m immediate stop"
	local dsn="postgres://postgres@127.0.0.1:$PG_PRIVATE_PORT/postgres?sslmode=disable"
	pg_wait "$dsn" || return 1
	say "started a private PostgreSQL on 127.0.0.1:$PG_PRIVATE_PORT (stopped after the tests)"
	echo "export HARMONY_TEST_POSTGRES_DSN='$dsn'"
}

postgres() {
	if [ -n "${HARMONY_TEST_POSTGRES_DSN:-}" ]; then
		return 0
	fi
	pg_login "$PG_DEFAULT_DSN" && return 0
	pg_system_start && return 0
	if ! pg_bindir >/dev/null; then
		apt_install postgresql || true
		# Debian's package creates and may start a cluster: use it when it
		# takes the test login.
		pg_login "$PG_DEFAULT_DSN" && return 0
	fi
	pg_private_start && return 0
	if pg_bindir >/dev/null; then
		say "PostgreSQL is installed but could not be started for the tests: they will skip"
	elif can_install; then
		say "PostgreSQL could not be installed: its tests will skip"
	else
		say "PostgreSQL is not installed, and installing it needs root and apt-get: its tests will skip (or set HARMONY_TEST_POSTGRES_DSN)"
	fi
}

# --- Redis ------------------------------------------------------------------

redis_ping() { # HOST PORT
	(
		exec 3<>"/dev/tcp/$1/$2" || exit 1
		printf 'PING\r\n' >&3
		IFS= read -r -t 3 line <&3 && [[ $line == +PONG* ]]
	) 2>/dev/null
}

redis_private_start() {
	command -v redis-server >/dev/null 2>&1 || return 1
	local dir=$state/redis
	mkdir -p "$dir"
	redis-server --port "$REDIS_PRIVATE_PORT" --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" >/dev/null 2>&1 || return 1
	local i
	for i in $(seq 1 40); do
		if redis_ping 127.0.0.1 "$REDIS_PRIVATE_PORT"; then
			on_stop "kill \$(cat $dir/redis.pid)"
			say "started a private Redis on 127.0.0.1:$REDIS_PRIVATE_PORT (stopped after the tests)"
			echo "export HARMONY_TEST_REDIS_ADDR=127.0.0.1:$REDIS_PRIVATE_PORT"
			return 0
		fi
		sleep 0.25
	done
	say "a private Redis did not start on port $REDIS_PRIVATE_PORT (see $dir/redis.log)"
	return 1
}

redis() {
	if [ -n "${HARMONY_TEST_REDIS_ADDR:-}" ]; then
		return 0
	fi
	redis_ping 127.0.0.1 6379 && return 0
	if ! command -v redis-server >/dev/null 2>&1; then
		apt_install redis-server || true
		redis_ping 127.0.0.1 6379 && return 0
	fi
	redis_private_start && return 0
	if command -v redis-server >/dev/null 2>&1; then
		say "Redis is installed but could not be started for the tests: they will skip"
	elif can_install; then
		say "Redis could not be installed: its tests will skip"
	else
		say "Redis is not installed, and installing it needs root and apt-get: its tests will skip (or set HARMONY_TEST_REDIS_ADDR)"
	fi
}

# --- commands ---------------------------------------------------------------

start() {
	mkdir -p "$state"
	: >"$state/stop"
	postgres
	redis
}

stop() {
	[ -f "$state/stop" ] || return 0
	local cmd
	tac "$state/stop" | while IFS= read -r cmd; do
		[ -n "$cmd" ] && eval "$cmd" >/dev/null 2>&1
	done
	: >"$state/stop"
}

# summary: one line, however many tests skipped; the reason shown for a
# service is the first one recorded.
summary() {
	local files=("$state"/skips-*.tsv)
	[ -e "${files[0]}" ] || return 0
	cat "${files[@]}" | awk -F'\t' '
		!($1 in n) { order[++k] = $1; why[$1] = substr($3, 1, 120) }
		{ n[$1]++; total++ }
		END {
			line = sprintf("SKIPPED for want of a service: %d test%s", total, total == 1 ? "" : "s")
			for (i = 1; i <= k; i++) {
				s = order[i]
				line = line sprintf("%s %s (%d: %s)", i == 1 ? ":" : ";", s, n[s], why[s])
			}
			print "*** " line " -- see scripts/test-services.sh ***"
		}' >&2
}

cmd=${1:-}
state=${2:-}
if [ -z "$cmd" ] || [ -z "$state" ]; then
	echo "usage: $0 start|stop|summary DIR" >&2
	exit 2
fi
case $cmd in
start) start ;;
stop) stop ;;
summary) summary ;;
*)
	echo "usage: $0 start|stop|summary DIR" >&2
	exit 2
	;;
esac
exit 0
