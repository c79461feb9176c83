#!/usr/bin/env bash
# Move tools/kube to another k8s.io/kubernetes release, keeping every staging
# module (k8s.io/api, k8s.io/apiserver, ...) in lockstep (v1.X.Y -> v0.X.Y) and
# etcd at the version Kubernetes' own etcd client uses.
#
#   bash tools/kube/bump.sh v1.37.2
#
# Uses only the Go module proxy (through the go command).
set -euo pipefail

v="${1:?usage: bump.sh v1.X.Y}"
case "$v" in v1.*) ;; *) echo "bump.sh: expected v1.X.Y, got $v" >&2; exit 2 ;; esac
staging_v="v0.${v#v1.}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

gomod="$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
[ -f "$gomod" ] || { echo "bump.sh: could not download k8s.io/kubernetes@$v" >&2; exit 1; }

# Staging modules = replaced with ./staging/... AND required by k8s.io/kubernetes
# (the sample-* ones are replaced but not required, and not published).
replaced="$(sed -n '/^replace (/,/^)/p' "$gomod" | awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' | sort)"
required="$(sed -n '/^require (/,/^)/p' "$gomod" | awk '$2 == "v0.0.0" { print $1 }' | sort)"
staging="$(comm -12 <(echo "$replaced") <(echo "$required"))"
etcd_v="$(awk '$1 == "go.etcd.io/etcd/client/v3" { print $2; exit }' "$gomod")"
[ -n "$staging" ] && [ -n "$etcd_v" ] || { echo "bump.sh: unexpected go.mod layout of k8s.io/kubernetes@$v" >&2; exit 1; }

# Rewrite the replace block from scratch (one line per staging module).
awk 'BEGIN { skip = 0 } /^replace \($/ { skip = 1; next } skip && /^\)$/ { skip = 0; next } !skip && !/^replace k8s\.io\// { print }' go.mod >go.mod.new
{
  printf 'replace (\n'
  for m in $staging; do printf '\t%s => %s %s\n' "$m" "$m" "$staging_v"; done
  printf ')\n'
} >>go.mod.new
mv go.mod.new go.mod

args=("-require=k8s.io/kubernetes@$v" "-require=go.etcd.io/etcd/server/v3@$etcd_v")
for m in $staging; do
  # Keep listed requirements of staging modules in step too (replace wins anyway).
  if sed -n '/^require/,/^)/p' go.mod | grep -q "^[[:space:]]*$m v"; then args+=("-require=$m@$staging_v"); fi
done
go mod edit "${args[@]}"
go mod tidy

echo "bump.sh: k8s.io/kubernetes $v, $(echo "$staging" | wc -l) staging modules at $staging_v, etcd $etcd_v" >&2
