#!/usr/bin/env bash
# Stop the local Kubernetes API server started by up.sh and remove its etcd
# data. Keeps pki/ (CA, keys, token) and the log. Safe to run when nothing runs.
#
#   down.sh              stop unconditionally
#   down.sh --lease ID   drop lease ID (see up.sh); stop only if no other lease
#                        whose process is still alive remains
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
pidfile="$state/pid"
[ -d "$state" ] || exit 0

if [ -z "${FLINKOPS_KUBE_LOCKED:-}" ]; then
  exec 8>"$state/.lock"
  flock 8
fi

if [ -n "$lease" ]; then
  rm -f "$state/leases/$lease"
  for f in "$state"/leases/*; do
    [ -f "$f" ] || continue
    holder="$(cat "$f" 2>/dev/null || true)"
    if [ "$holder" = manual ] || { [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; }; then
      echo "kube/down.sh: still leased by $(basename "$f") (pid $holder); not stopping" >&2
      exit 0
    fi
    rm -f "$f"
  done
fi

if [ -f "$pidfile" ]; then
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
     tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'flinkops-kube serve'; then
    kill -TERM "$pid" 2>/dev/null || true
    # kube-apiserver drains, then etcd closes; give it 30s before SIGKILL.
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      # A zombie (our own child) counts as gone.
      [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
      echo "kube/down.sh: pid $pid did not stop within 30s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "kube/down.sh: stopped pid $pid" >&2
  fi
fi

rm -rf "$state/etcd" "$state/kubeconfig" "$pidfile" "$state/leases"
