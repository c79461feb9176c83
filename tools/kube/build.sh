#!/usr/bin/env bash
# Build flinkops-kube (embedded etcd + kube-apiserver) into the per-user cache,
# unless it is there already, and print the binary's path as the last line.
#
#   bash tools/kube/build.sh          build if missing, print path
#   bash tools/kube/build.sh --path   print the path the binary has (or will have)
#   bash tools/kube/build.sh --check  exit 0 if the binary is cached, 1 if not
#
# Cache: ${FLINKOPS_CACHE:-$HOME/.cache/flinkops}/kube/<k8s-version>-<source-hash>/
# A cold build downloads modules from the Go module proxy only, takes minutes
# and about 2 GiB of memory. FLINKOPS_BUILD_JOBS (default 2) caps parallelism.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

k8s_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' go.mod)"
[ -n "$k8s_version" ] || { echo "build.sh: no k8s.io/kubernetes version in go.mod" >&2; exit 1; }
# The -X flags give /version the release's version (kubectl and clients parse it).
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for kv in "gitVersion=$k8s_version" gitMajor=1 "gitMinor=$minor" gitTreeState=clean; do
  ldflags="$ldflags -X k8s.io/component-base/version.$kv"
done
# The cache entry changes with the sources and the link flags.
src_hash="$( (cat go.mod go.sum ./*.go; echo "$ldflags") | sha256sum | cut -c1-12)"
cache_root="${FLINKOPS_CACHE:-$HOME/.cache/flinkops}"
out_dir="$cache_root/kube/$k8s_version-$src_hash"
bin="$out_dir/flinkops-kube"

case "${1:-}" in
  --path) echo "$bin"; exit 0 ;;
  --check) [ -x "$bin" ]; exit $? ;;
  "") ;;
  *) echo "usage: build.sh [--path|--check]" >&2; exit 2 ;;
esac

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: the Go toolchain (go >= 1.26) is needed to build kube-apiserver $k8s_version" >&2
  exit 3
fi

mkdir -p "$out_dir"
# One build at a time per cache entry (CI pre-build and test harness may race).
exec 9>"$out_dir/.lock"
if ! flock -n 9; then
  echo "build.sh: another build of $bin is running; waiting for it" >&2
  flock 9
fi
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

# Modules come from the Go module proxy only: drop a "direct" (VCS) fallback.
# GOPROXY=off (offline, module cache only) is kept as it is.
if [ "$(go env GOPROXY)" != off ]; then
  proxy="$(go env GOPROXY | tr ',|' '\n\n' | grep -v -x -e direct -e off -e '' | paste -sd, - || true)"
  export GOPROXY="${proxy:-https://proxy.golang.org}"
fi

jobs="${FLINKOPS_BUILD_JOBS:-2}"
echo "build.sh: building kube-apiserver $k8s_version + embedded etcd into $out_dir (cold: several minutes)" >&2
start=$(date +%s)
# -mod=readonly: go.mod/go.sum are complete, nothing is resolved anew.
# GOTOOLCHAIN=local: never download another toolchain.
GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false -p=$jobs" \
  nice -n 10 go build -trimpath -ldflags="$ldflags" -o "$bin.tmp.$$" . >&2
mv -f "$bin.tmp.$$" "$bin"
# Drop builds of other versions/sources not used for 14 days (up.sh touches the dir on use).
find "$cache_root/kube" -mindepth 1 -maxdepth 1 -type d ! -path "$out_dir" -mtime +14 -exec rm -rf {} + 2>/dev/null || true
echo "build.sh: built in $(( $(date +%s) - start ))s: $(du -h "$bin" | cut -f1) $bin" >&2
echo "$bin"
