#!/usr/bin/env bash
# Start a local Kubernetes API server (embedded etcd + kube-apiserver) on free
# loopback ports, install the Flink operator CRDs and print the kubeconfig path
# as the last line of stdout. All progress goes to stderr.
#
# Environment:
#   FLINKOPS_KUBE_DIR   state directory (default <repo>/.cache/kube)
#   FLINKOPS_CRDS       folder of the operator CRD files to install (default: the pinned
#                       release's, <repo>/crds/flink-kubernetes-operator/<OPERATOR_VERSION of
#                       lib/render/crds.ts>)
#   FLINKOPS_CACHE      binary cache root (default $HOME/.cache/flinkops)
#   FLINKOPS_KUBE_TIMEOUT  readiness timeout (default 180s)
#
# Options:
#   --lease ID   record a lease (file leases/ID holding the caller's pid in
#                FLINKOPS_KUBE_LEASE_PID, default the parent pid); down.sh --lease ID
#                only stops the server when no other live lease remains. Lets
#                several test files share one server. Without --lease, the
#                server stays up until down.sh is run without --lease.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
operator_version="$(sed -n "s/^export const OPERATOR_VERSION = '\(.*\)';$/\1/p" "$repo/lib/render/crds.ts")"
crd_dir="${FLINKOPS_CRDS:-$repo/crds/flink-kubernetes-operator/$operator_version}"
kubeconfig="$state/kubeconfig"
pidfile="$state/pid"
log="$state/apiserver.log"
timeout="${FLINKOPS_KUBE_TIMEOUT:-180s}"

log_msg() { echo "kube/up.sh: $*" >&2; }

# Is the process in the pid file our server?
running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'flinkops-kube serve' || return 1
  echo "$pid"
}

shopt -s nullglob
crds=("$crd_dir"/*.yml "$crd_dir"/*.yaml)
shopt -u nullglob
if [ "${#crds[@]}" -eq 0 ]; then
  log_msg "no CRD files (*.yml, *.yaml) in $crd_dir (FLINKOPS_CRDS names another folder)"
  exit 1
fi

bin="$(bash "$here/build.sh" | tail -n 1)"
[ -x "$bin" ] || { log_msg "build failed"; exit 1; }
touch "$(dirname "$bin")" 2>/dev/null || true  # marks the cache entry as in use

mkdir -p "$state/leases"
chmod 700 "$state"

# One up.sh/down.sh at a time. The server must not inherit this descriptor.
exec 8>"$state/.lock"
flock 8
export FLINKOPS_KUBE_LOCKED=1

# Without --lease (npm run kube:up by hand) the server is kept until down.sh
# without --lease; test runs that join it then leave it running.
add_lease() {
  if [ -n "$lease" ]; then
    echo "${FLINKOPS_KUBE_LEASE_PID:-$PPID}" >"$state/leases/$lease"
  else
    echo manual >"$state/leases/manual"
  fi
}

if pid="$(running_pid)"; then
  if "$bin" wait --kubeconfig "$kubeconfig" --pid "$pid" --timeout 60s 2>/dev/null; then
    log_msg "already running (pid $pid)"
    add_lease
    echo "$kubeconfig"
    exit 0
  fi
  log_msg "server pid $pid is not ready; restarting it"
  bash "$here/down.sh" >&2
fi

# Start from a clean data directory; keep pki/ (CA, keys, token) between runs.
rm -rf "$state/etcd" "$kubeconfig" "$pidfile" "$state/leases"
mkdir -p "$state/leases"

started=0
for attempt in 1 2 3; do
  start_ts=$(date +%s)
  # setsid + nohup: survives the caller's terminal and process group.
  # Output goes to the log only, so a caller reading our stdout is not held open.
  setsid nohup "$bin" serve --dir "$state" >"$log" 2>&1 </dev/null 8>&- &
  pid=$!
  echo "$pid" >"$pidfile"
  log_msg "started flinkops-kube (pid $pid), log: $log"

  for _ in $(seq 1 600); do
    [ -f "$kubeconfig" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -f "$kubeconfig" ] && "$bin" wait --kubeconfig "$kubeconfig" --pid "$pid" --timeout "$timeout"; then
    started=1
    log_msg "kube-apiserver ready after $(( $(date +%s) - start_ts ))s"
    break
  fi
  if grep -q 'address already in use' "$log" && [ "$attempt" -lt 3 ]; then
    log_msg "port clash, retrying"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$state/etcd" "$kubeconfig" "$pidfile"
    continue
  fi
  break
done

if [ "$started" != 1 ]; then
  log_msg "kube-apiserver did not become ready; last lines of $log:"
  tail -n 40 "$log" >&2 || true
  bash "$here/down.sh" >&2 || true
  exit 1
fi

if ! "$bin" crds --kubeconfig "$kubeconfig" "${crds[@]}"; then
  log_msg "installing CRDs failed; last lines of $log:"
  tail -n 20 "$log" >&2 || true
  bash "$here/down.sh" >&2 || true
  exit 1
fi

add_lease
echo "$kubeconfig"
