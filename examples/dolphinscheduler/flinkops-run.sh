#!/usr/bin/env bash
# A DolphinScheduler shell task that runs a flinkops batch job for one day and fails the task when
# the job fails. It triggers the repository's GitLab pipeline (job `action` in .gitlab-ci.yml), which
# runs `flinkops action run JOB --env ENV --wait`, then polls the pipeline until it ends: exit 0 when
# the job FINISHED, 1 when it FAILED (or the pipeline did). The pipeline acts as
# scheduler:dolphinscheduler because the trigger token's owner is listed under that scheduler in
# platform/owners.yaml (`schedulers: {dolphinscheduler: [dolphin-bot]}`); no variable can claim it.
#
#   flinkops-run.sh JOB ENV [NAME=VALUE ...]
#   e.g. in the task: bash flinkops-run.sh homeservice/daily-settlement prod biz_date=${system.biz.date}
#
# Environment (DolphinScheduler: the task's environment or its resource center):
#   GITLAB_URL              https://gitlab.rent.example
#   GITLAB_PROJECT          the project id (or url-encoded path) of the jobs repository
#   GITLAB_TRIGGER_TOKEN    a pipeline trigger token owned by the scheduler's user (dolphin-bot)
#   GITLAB_READ_TOKEN       a token with read_api, to read the pipeline's status
#   FLINKOPS_REF            the branch to run on (default: main)
#   FLINKOPS_POLL_SECONDS   how often to poll (default: 15)
#   FLINKOPS_CALLBACK       optional: a URL that gets the signed final state too
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 JOB ENV [NAME=VALUE ...]" >&2
  exit 2
fi
job="$1" env="$2"
shift 2
vars="$*"
: "${GITLAB_URL:?set GITLAB_URL}" "${GITLAB_PROJECT:?set GITLAB_PROJECT}"
: "${GITLAB_TRIGGER_TOKEN:?set GITLAB_TRIGGER_TOKEN}" "${GITLAB_READ_TOKEN:?set GITLAB_READ_TOKEN}"
ref="${FLINKOPS_REF:-main}"
poll="${FLINKOPS_POLL_SECONDS:-15}"

json_string() { # a JSON string literal
  local s="${1//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

body="{\"token\":$(json_string "$GITLAB_TRIGGER_TOKEN"),\"ref\":$(json_string "$ref"),\"variables\":{"
body+="\"FLINKOPS_ACTION\":\"run\",\"FLINKOPS_JOB\":$(json_string "$job"),\"FLINKOPS_ENV\":$(json_string "$env"),"
body+="\"FLINKOPS_VARS\":$(json_string "$vars"),\"FLINKOPS_WAIT\":\"true\""
[ -n "${FLINKOPS_CALLBACK:-}" ] && body+=",\"FLINKOPS_CALLBACK\":$(json_string "$FLINKOPS_CALLBACK")"
body+="}}"

created="$(curl -fsS -X POST -H 'Content-Type: application/json' --data "$body" \
  "$GITLAB_URL/api/v4/projects/$GITLAB_PROJECT/trigger/pipeline")"
id="$(printf '%s' "$created" | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)"
url="$(printf '%s' "$created" | grep -o '"web_url":"[^"]*"' | head -n 1 | cut -d'"' -f4)"
[ -n "$id" ] || { echo "flinkops-run: the trigger API answered without a pipeline id: $created" >&2; exit 1; }
echo "flinkops-run: $job in $env ($vars) — pipeline $url"

while :; do
  status="$(curl -fsS -H "PRIVATE-TOKEN: $GITLAB_READ_TOKEN" \
    "$GITLAB_URL/api/v4/projects/$GITLAB_PROJECT/pipelines/$id" | grep -o '"status":"[a-z_]*"' | head -n 1 | cut -d'"' -f4)"
  case "$status" in
    success) echo "flinkops-run: $job FINISHED"; exit 0 ;;
    failed | canceled | skipped) echo "flinkops-run: $job $status — see $url" >&2; exit 1 ;;
    *) sleep "$poll" ;;
  esac
done
