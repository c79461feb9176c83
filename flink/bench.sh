#!/usr/bin/env bash
# Timing of the flinkops Flink helper for one Flink version (builds first if needed):
#
#   flink/bench.sh 1.20.4 [extra JVM flags replacing the launch.json ones, e.g. "-XX:TieredStopAtLevel=4"]
#
# Prints: start-up to the first answered `version`, one validate request of 100 small jobs (twice:
# cold and warm JVM), and a preview of an event-time window job.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 <flinkVersion> [jvm flags]" >&2; exit 2; }
V="$1"
shift
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/build.sh" "$V"
CACHE="${FLINKOPS_CACHE:-$HOME/.cache/flinkops}"
LAUNCH="$(cd "$CACHE" && pwd)/flink/$V/launch.json"

exec python3 - "$LAUNCH" "$*" <<'PY'
import json, subprocess, sys, time

launch = json.load(open(sys.argv[1]))
args = list(launch["args"])
extra = sys.argv[2].split()
def key(a):
    if a.startswith("-XX:"):
        b = a[4:].lstrip("+-")
        return "GC" if b.startswith("Use") and b.endswith("GC") else b.split("=")[0]
    return a.split("=")[0] if a.startswith("-D") else a[:4] if a.startswith("-Xm") else a

for flag in extra:  # replace a launch flag of the same kind, else add it
    args = [a for a in args if key(a) != key(flag)]
    args.insert(0, flag)

t0 = time.time()
p = subprocess.Popen([launch["java"]] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, bufsize=1)

def ask(req):
    p.stdin.write(json.dumps(req) + "\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())

ask({"id": "v", "op": "version"})
print("start-up to first answer:        %6.2f s" % (time.time() - t0))

def job(i):
    return {"job": "bench/job-%d" % i, "catalogs": [], "config": {}, "statements": [
        {"sql": "CREATE TABLE src_%d (id BIGINT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'kafka', 'topic' = 't%d', 'format' = 'json')" % (i, i)},
        {"sql": "CREATE TABLE dst_%d (k STRING, c BIGINT, s INT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'jdbc', 'url' = 'jdbc:x', 'table-name' = 'd')" % i},
        {"sql": "SET 'table.exec.state.ttl' = '1 h'"},
        {"sql": "INSERT INTO dst_%d SELECT k, COUNT(*), SUM(v) FROM src_%d WHERE v > %d GROUP BY k" % (i, i, i)},
    ]}

for label in ("validate 100 jobs (first request)", "validate 100 jobs (warm JVM)     "):
    t = time.time()
    r = ask({"id": "b", "op": "validate", "jobs": [job(i) for i in range(100)]})
    bad = [j for j in r["jobs"] if j["diagnostics"]]
    print("%s %6.2f s  (%d jobs with diagnostics)" % (label, time.time() - t, len(bad)))

samples = {"src": [{"k": "a", "v": 1, "ts": "2024-01-01 00:00:%02d" % s} for s in range(0, 50, 10)]}
for label in ("preview window job (first)", "preview window job (again)"):
    t = time.time()
    r = ask({"id": "p", "op": "preview", "job": "bench/p", "samples": samples, "statements": [
        {"sql": "CREATE TABLE src (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json')"},
        {"sql": "CREATE TABLE dst (k STRING, ws TIMESTAMP(3), c BIGINT) WITH ('connector' = 'print')"},
        {"sql": "INSERT INTO dst SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '20' SECOND)) GROUP BY k, window_start, window_end"},
    ]})
    print("%s        %6.2f s  (%s)" % (label, time.time() - t, json.dumps(r["sinks"]["dst"]["rows"])[:80]))
p.stdin.close()
p.wait()
PY
