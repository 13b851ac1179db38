#!/usr/bin/env bash
# Fetches the GraphiQL playground's JavaScript and CSS from the npm registry
# into internal/playground/assets/dist/, where `go build` embeds them.
#
# What to fetch is listed in internal/playground/assets/manifest.txt: package,
# exact version, file inside the tarball and its pinned sha256. Every file is
# checked against its pinned hash; any mismatch stops the script with an error
# and leaves dist/ as it was. When every file is already present with the right
# hash the script changes nothing and needs no network.
#
# Needs: bash, tar, npm (and node), and openssl or node for hashing.
# Usage: scripts/fetch-playground-assets.sh   (from any directory)
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/.." && pwd -P)
assets_dir="$repo_root/internal/playground/assets"
manifest="$assets_dir/manifest.txt"
dist="$assets_dir/dist"

die() {
	printf 'fetch-playground-assets: %s\n' "$*" >&2
	exit 1
}

# sri FILE prints the file's sha256 in Subresource-Integrity form.
sri() {
	if command -v openssl >/dev/null 2>&1; then
		printf 'sha256-%s\n' "$(openssl dgst -sha256 -binary "$1" | openssl base64 -A)"
	else
		node -e 'const c=require("crypto"),f=require("fs");process.stdout.write("sha256-"+c.createHash("sha256").update(f.readFileSync(process.argv[1])).digest("base64")+"\n")' "$1"
	fi
}

[[ -f $manifest ]] || die "manifest not found: $manifest"

pkgs=() vers=() files=() sums=()
while read -r pkg ver file sum extra || [[ -n ${pkg:-} ]]; do
	[[ -z ${pkg:-} || $pkg == \#* ]] && continue
	[[ -n $sum && -z ${extra:-} ]] || die "malformed line in $manifest: $pkg $ver $file $sum ${extra:-}"
	[[ $pkg =~ ^(@[a-z0-9._-]+/)?[a-z0-9._-]+$ ]] || die "bad package name in manifest: $pkg"
	[[ $ver =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "version must be exact (x.y.z) in manifest: $pkg $ver"
	[[ $file =~ ^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$ && $file != *..* ]] || die "bad file path in manifest: $file"
	[[ $sum == sha256-* ]] || die "hash must be sha256-<base64> in manifest: $sum"
	pkgs+=("$pkg") vers+=("$ver") files+=("$file") sums+=("$sum")
done <"$manifest"
((${#pkgs[@]} > 0)) || die "no files listed in $manifest"

# Which files are missing or wrong?
stale=0
for i in "${!pkgs[@]}"; do
	dest="$dist/${pkgs[i]}@${vers[i]}/${files[i]}"
	if [[ ! -f $dest || $(sri "$dest") != "${sums[i]}" ]]; then
		stale=$((stale + 1))
	fi
done
if ((stale == 0)); then
	echo "playground assets: up to date (${#pkgs[@]} files)"
	exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is required to fetch the playground assets (install Node.js 20+)"
command -v tar >/dev/null 2>&1 || die "tar is required"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/harmony-playground.XXXXXX")
# The new dist/ is assembled next to the old one (a dot-name, which go:embed
# skips) so that the final swap is a rename on the same file system.
stage="$assets_dir/.dist.staging.$$"
trap 'rm -rf -- "$tmp" "$stage"' EXIT
mkdir -p -- "$stage"

for i in "${!pkgs[@]}"; do
	spec="${pkgs[i]}@${vers[i]}"
	unpacked="$tmp/x/${spec//\//+}" # one directory per package version
	if [[ ! -d $unpacked ]]; then
		# npm pack downloads the exact version from the configured registry and
		# checks it against the registry's published integrity (sha512).
		if ! name=$(cd -- "$tmp" && npm pack "$spec" --ignore-scripts --loglevel=error 2>"$tmp/npm.err"); then
			cat -- "$tmp/npm.err" >&2
			die "npm pack $spec failed"
		fi
		name=$(printf '%s\n' "$name" | tail -n 1)
		[[ -f $tmp/$name ]] || die "npm pack $spec did not produce a tarball (got '$name')"
		mkdir -p -- "$unpacked"
		tar -xzf "$tmp/$name" -C "$unpacked"
	fi
	src="$unpacked/package/${files[i]}"
	[[ -f $src ]] || die "$spec has no file ${files[i]}"
	got=$(sri "$src")
	[[ $got == "${sums[i]}" ]] || die "hash mismatch for $spec/${files[i]}: expected ${sums[i]}, got $got"
	dest="$stage/${pkgs[i]}@${vers[i]}/${files[i]}"
	mkdir -p -- "$(dirname -- "$dest")"
	cp -- "$src" "$dest"
done

rm -rf -- "$dist"
mv -- "$stage" "$dist"
echo "playground assets: fetched ${#pkgs[@]} files into internal/playground/assets/dist"
