# Shared by up.sh and down.sh (sourced, not run): the --lease option and the state paths.
# Sets: lease, here, repo, state.
lease=""
while [ $# -gt 0 ]; do
  case "$1" in
    --lease) lease="${2:?--lease needs an id}"; shift 2 ;;
    *) echo "usage: $(basename "$0") [--lease ID]" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))"
state="${FLINKOPS_KUBE_DIR:-$repo/.cache/kube}"
