#!/usr/bin/env bash
# Builds the Customer 360 console (console/, TypeScript and Vite) into
# internal/console/assets/dist/, where `go build` embeds it.
#
# It runs `npm ci` and `npm run build` (tsc --noEmit, then vite build) only
# when the console's sources changed since the last build: the sha256 of the
# sources is kept in dist/.source-sha256 (a dot-file, which go:embed skips).
# When nothing changed it needs neither npm nor the network. Every npm
# package is pinned to an exact version by console/package-lock.json.
#
# Needs: bash, sha256sum (or node), Node.js 20.19+ and npm when a build runs.
# Usage: scripts/build-console.sh [--force]   (from any directory)
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/.." && pwd -P)
src="$repo_root/console"
dist="$repo_root/internal/console/assets/dist"
stamp="$dist/.source-sha256"

die() {
	printf 'build-console: %s\n' "$*" >&2
	exit 1
}

[[ -f $src/package.json && -f $src/package-lock.json ]] || die "console sources not found in $src"

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum | cut -d' ' -f1
	else
		node -e 'const c=require("crypto");let d=[];process.stdin.on("data",x=>d.push(x)).on("end",()=>process.stdout.write(c.createHash("sha256").update(Buffer.concat(d)).digest("hex")+"\n"))'
	fi
}

# The sources' hash: every file that goes into the build, by name and content.
sources_hash() {
	cd -- "$src"
	{
		for f in package.json package-lock.json index.html tsconfig.json vite.config.ts; do
			[[ -f $f ]] && printf '%s %s\n' "$f" "$(sha256 <"$f")"
		done
		find src -type f -print | LC_ALL=C sort | while IFS= read -r f; do
			printf '%s %s\n' "$f" "$(sha256 <"$f")"
		done
	} | sha256
}

want=$(sources_hash)
if [[ ${1:-} != --force && -f $dist/index.html && -f $stamp && $(cat -- "$stamp") == "$want" ]]; then
	echo "console: up to date"
	exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is required to build the console (install Node.js 20.19+)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' ||
	die "Node.js 20.19 or newer is required to build the console (found $(node --version))"

cd -- "$src"
# npm ci only when the installed tree is not the locked one.
lock_hash=$(sha256 <package-lock.json)
if [[ ! -f node_modules/.harmony-lock-sha256 || $(cat node_modules/.harmony-lock-sha256) != "$lock_hash" ]]; then
	npm ci --no-audit --no-fund --loglevel=error
	printf '%s\n' "$lock_hash" >node_modules/.harmony-lock-sha256
fi
npm run --silent build
[[ -f $dist/index.html ]] || die "vite build did not write $dist/index.html"
printf '%s\n' "$want" >"$stamp"
echo "console: built into internal/console/assets/dist"
