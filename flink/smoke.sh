#!/usr/bin/env bash
# Smoke test of the flinkops Flink helper for one Flink version:
#
#   flink/smoke.sh 1.20.4
#
# Builds (if needed, through build.sh), starts the helper from launch.json exactly as the
# TypeScript side does (java + args), pipes requests through it and checks the answers:
#   (a) unknown column in INSERT ... SELECT from a 'faker' table: error with line/column
#   (b) STRING into an INT sink column: "Column types of query result and sink ... do not match"
#   (c) preview of a TUMBLE window TVF over event time on 5 sample rows: hand-computed counts
#   (d) a statement set writing two sinks
#   (e) a regular join
#   (f) a lookup join FOR SYSTEM_TIME AS OF o.proc_time
#   (g) compile: a plan with a stateful node
# plus the version op, error responses for bad input, and the runner jar (run locally on Flink's
# datagen/print connectors). Ends with
# "N passed, N failed"; exit status 1 when anything failed.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <flinkVersion>" >&2; exit 2; }
V="$1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/build.sh" "$V"
CACHE="${FLINKOPS_CACHE:-$HOME/.cache/flinkops}"
LAUNCH="$(cd "$CACHE" && pwd)/flink/$V/launch.json"

exec python3 - "$LAUNCH" "$V" <<'PY'
import json, os, subprocess, sys, time, threading

launch_path, version = sys.argv[1], sys.argv[2]
launch = json.load(open(launch_path))
passed, failed = 0, 0

def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   - " + name)
    else:
        failed += 1
        print("FAIL - " + name + (": " + detail if detail else ""))

t0 = time.time()
proc = subprocess.Popen([launch["java"]] + launch["args"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=open(os.environ.get("FLINKOPS_SMOKE_STDERR", os.devnull), "w"),
                        text=True, bufsize=1)
stray = []

def ask(req):
    proc.stdin.write(json.dumps(req) + "\n")
    proc.stdin.flush()
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("helper ended unexpectedly")
        try:
            resp = json.loads(line)
        except ValueError:
            stray.append(line)
            continue
        if resp.get("id") == req.get("id"):
            return resp
        stray.append(line)

def diags(resp):
    if "jobs" in resp:
        return resp["jobs"][0]["diagnostics"]
    return resp.get("diagnostics", [])

def errors(resp):
    return [d for d in diags(resp) if d["severity"] == "error"]

def st(*sqls):
    return [{"sql": s} for s in sqls]

# ---------------------------------------------------------------- version
r = ask({"id": "v", "op": "version"})
startup = time.time() - t0
check("version", r.get("flinkVersion") == version and r.get("java", "").startswith("17"), json.dumps(r))
print("     helper start-up to first answer: %.2f s" % startup)

ORDERS_FAKER = """CREATE TABLE orders (
  id BIGINT,
  customer_id BIGINT,
  amount INT,
  ts TIMESTAMP(3),
  proc_time AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'faker',
  'fields.id.expression' = '#{number.numberBetween ''1'',''1000''}'
)"""
SINK = "CREATE TABLE sink (id BIGINT, amount INT) WITH ('connector' = 'print')"

# ---------------------------------------------------------------- (a) + (b)
r = ask({"id": "a", "op": "validate", "jobs": [{"job": "smoke/a", "catalogs": [], "config": {},
        "statements": st(ORDERS_FAKER, SINK,
                         "INSERT INTO sink\nSELECT id,\n       amont\nFROM orders",
                         "INSERT INTO sink SELECT id, CAST(amount AS STRING) FROM orders",
                         "INSERT INTO sink SELECT id, amount FROM orders")}]})
ds = errors(r)
a = [d for d in ds if d["statement"] == 2]
check("(a) unknown column reported at line 3, column 8",
      len(a) == 1 and a[0].get("line") == 3 and a[0].get("column") == 8 and a[0].get("endColumn") == 12
      and "amont" in a[0]["message"] and a[0]["kind"] == "validation", json.dumps(a))
b = [d for d in ds if d["statement"] == 3]
check("(b) type mismatch between query and sink",
      len(b) == 1 and "do not match" in b[0]["message"] and "Column types of query result and sink" in b[0]["message"],
      json.dumps(b))
sts = r["jobs"][0]["statements"]
check("(a/b) statement kinds and ok flags",
      [s["kind"] for s in sts] == ["ddl", "ddl", "insert", "insert", "insert"]
      and [s["ok"] for s in sts] == [True, True, False, False, True], json.dumps(sts))
check("(a/b) no other errors (faker needs no connector jar)", len(ds) == 2, json.dumps(ds))

# ---------------------------------------------------------------- (c) tumble window preview
WIN = "CREATE TABLE win (window_start TIMESTAMP(3), window_end TIMESTAMP(3), cnt BIGINT, total INT) WITH ('connector' = 'blackhole')"
samples = {"orders": [
    {"id": 1, "customer_id": 10, "amount": 5, "ts": "2024-01-01 10:00:05.000"},
    {"id": 2, "customer_id": 11, "amount": 7, "ts": "2024-01-01 10:00:59.999"},
    {"id": 3, "customer_id": 10, "amount": 9, "ts": "2024-01-01 10:01:00.000"},
    {"id": 4, "customer_id": 12, "amount": 1, "ts": "2024-01-01 10:03:30.000"},
    {"id": 5, "customer_id": 10, "amount": 2, "ts": "2024-01-01 10:03:31.000"},
]}
t = time.time()
r = ask({"id": "c", "op": "preview", "job": "smoke/c", "catalogs": [], "config": {}, "samples": samples,
         "rows": 10, "timeoutSeconds": 120,
         "statements": st(ORDERS_FAKER, WIN,
             "INSERT INTO win SELECT window_start, window_end, COUNT(*), SUM(amount)\n"
             "FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))\n"
             "GROUP BY window_start, window_end")})
print("     preview (window TVF) took %.2f s" % (time.time() - t))
rows = r.get("sinks", {}).get("win", {}).get("rows")
expected = [
    {"window_start": "2024-01-01 10:00:00.000", "window_end": "2024-01-01 10:01:00.000", "cnt": 2, "total": 12},
    {"window_start": "2024-01-01 10:01:00.000", "window_end": "2024-01-01 10:02:00.000", "cnt": 1, "total": 9},
    {"window_start": "2024-01-01 10:03:00.000", "window_end": "2024-01-01 10:04:00.000", "cnt": 2, "total": 3},
]
check("(c) tumbling window counts", rows == expected and not errors(r), json.dumps(r)[:2000])
check("(c) sink columns and insert-only",
      r.get("sinks", {}).get("win", {}).get("updating") is False
      and [c["type"] for c in r["sinks"]["win"]["columns"]] == ["TIMESTAMP(3)", "TIMESTAMP(3)", "BIGINT", "INT"],
      json.dumps(r.get("sinks", {}).get("win", {}))[:500])

# ---------------------------------------------------------------- (d) (e) (f) preview
CUSTOMERS = """CREATE TABLE customers (
  id BIGINT,
  name STRING,
  PRIMARY KEY (id) NOT ENFORCED
) WITH ('connector' = 'jdbc', 'url' = 'jdbc:mysql://db:3306/shop', 'table-name' = 'customers')"""
BIG = "CREATE TABLE big (id BIGINT, amount INT) WITH ('connector' = 'print')"
SMALL = "CREATE TABLE small WITH ('connector' = 'blackhole') LIKE big (EXCLUDING OPTIONS)"
JOINED = "CREATE TABLE joined (order_id BIGINT, name STRING, amount INT) WITH ('connector' = 'print')"
LOOKED = "CREATE TABLE looked (order_id BIGINT, name STRING) WITH ('connector' = 'print')"
PER_CUSTOMER = """CREATE TABLE per_customer (name STRING, total INT, PRIMARY KEY (name) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'per-customer', 'key.format' = 'json', 'value.format' = 'json')"""
samples["customers"] = [{"id": 10, "name": "alice"}, {"id": 11, "name": "bob"}]
t = time.time()
r = ask({"id": "def", "op": "preview", "job": "smoke/def", "catalogs": [], "config": {}, "samples": samples,
         "rows": 10, "timeoutSeconds": 120,
         "statements": st(ORDERS_FAKER, CUSTOMERS, BIG, SMALL, JOINED, LOOKED, PER_CUSTOMER,
             "BEGIN STATEMENT SET",
             "INSERT INTO big SELECT id, amount FROM orders WHERE amount >= 5",
             "INSERT INTO small SELECT id, amount FROM orders WHERE amount < 5",
             "END",
             "INSERT INTO joined SELECT o.id, c.name, o.amount FROM orders AS o JOIN customers AS c ON o.customer_id = c.id",
             "INSERT INTO looked SELECT o.id, c.name FROM orders AS o\n"
             "  JOIN customers FOR SYSTEM_TIME AS OF o.proc_time AS c ON o.customer_id = c.id",
             "INSERT INTO per_customer SELECT c.name, SUM(o.amount) FROM orders AS o JOIN customers AS c ON o.customer_id = c.id GROUP BY c.name")})
print("     preview (statement set + 3 INSERTs) took %.2f s" % (time.time() - t))
sinks = r.get("sinks", {})
check("(d) statement set wrote two sinks",
      [x["id"] for x in sinks.get("big", {}).get("rows", [])] == [1, 2, 3]
      and [x["id"] for x in sinks.get("small", {}).get("rows", [])] == [4, 5] and not errors(r),
      json.dumps(diags(r))[:1000] + json.dumps({k: sinks.get(k) for k in ("big", "small")})[:1000])
check("(e) regular join",
      sinks.get("joined", {}).get("rows") == [
          {"order_id": 1, "name": "alice", "amount": 5}, {"order_id": 2, "name": "bob", "amount": 7},
          {"order_id": 3, "name": "alice", "amount": 9}, {"order_id": 5, "name": "alice", "amount": 2}],
      json.dumps(sinks.get("joined"))[:1000])
check("(f) lookup join FOR SYSTEM_TIME AS OF",
      sinks.get("looked", {}).get("rows") == [
          {"order_id": 1, "name": "alice"}, {"order_id": 2, "name": "bob"},
          {"order_id": 3, "name": "alice"}, {"order_id": 5, "name": "alice"}],
      json.dumps(sinks.get("looked"))[:1000])
pc = sinks.get("per_customer", {})
check("(e) updating sink: final rows by primary key",
      pc.get("updating") is True and pc.get("rows") == [{"name": "alice", "total": 16}, {"name": "bob", "total": 7}],
      json.dumps(pc)[:1000])

# ---------------------------------------------------------------- (g) compile
r = ask({"id": "g", "op": "compile", "job": "smoke/g", "catalogs": [], "config": {},
         "statements": st(ORDERS_FAKER, CUSTOMERS, PER_CUSTOMER, BIG,
             "INSERT INTO per_customer SELECT c.name, SUM(o.amount) FROM orders AS o JOIN customers AS c ON o.customer_id = c.id GROUP BY c.name",
             "INSERT INTO big SELECT id, amount FROM orders")})
plans = r.get("plans", [])
types = [[n.get("type", "") for n in p["plan"].get("nodes", [])] for p in plans]
stateful = any(t.startswith(("stream-exec-join", "stream-exec-group-aggregate")) for t in (types[0] if types else []))
check("(g) compile returns plans with a stateful node",
      len(plans) == 2 and plans[0]["statement"] == 4 and stateful and not errors(r)
      and plans[0]["plan"].get("flinkVersion", "").startswith(version.rsplit(".", 1)[0]),
      json.dumps(r)[:1500])
plan_text = json.dumps(plans[0]["plan"], separators=(",", ":")) if plans else ""
check("(g) plans keep the real connector options", '"connector":"faker"' in plan_text, plan_text[:300])

# ---------------------------------------------------------------- robustness
r = ask({"id": "u", "op": "validate", "jobs": [{"job": "smoke/u", "statements": st(
    "CREATE TEMPORARY FUNCTION my_udf AS 'com.example.NotHere'",
    "CREATE FUNCTION py_udf AS 'udfs.py_udf' LANGUAGE PYTHON",
    ORDERS_FAKER, SINK,
    "INSERT INTO sink SELECT id, my_udf(amount) FROM orders",
    "INSERT INTO sink SELECT id, py_udf(amount) FROM orders",
    "INSERT INTO sink SELEC id, amount FROM orders")}]})
ds = diags(r)
check("unknown functions are 'unsupported' warnings, not errors",
      [d["kind"] for d in ds if d["statement"] in (0, 1, 4, 5)] == ["unsupported"] * 4
      and all(d["severity"] == "warning" for d in ds if d["statement"] in (0, 1, 4, 5)), json.dumps(ds))
check("syntax error has kind syntax and a position",
      [(d["kind"], d.get("line")) for d in ds if d["statement"] == 6] == [("syntax", 1)], json.dumps(ds))
proc.stdin.write("this is not json\n")
proc.stdin.flush()
bad = json.loads(proc.stdout.readline())
check("bad input gets an error response", bad.get("id") is None and "error" in bad, json.dumps(bad))
r = ask({"id": 42, "op": "frobnicate"})
check("unknown op gets an error response", "error" in r, json.dumps(r))

proc.stdin.close()
rc = proc.wait(timeout=60)
check("helper exits 0 on EOF", rc == 0, str(rc))
check("stdout carries only responses", not stray, repr(stray[:3]))

runner = launch.get("runnerJar", "")
size = os.path.getsize(runner) if os.path.exists(runner) else -1
check("runner jar exists and is small (%d bytes)" % size, 0 < size < 200_000, runner)

# ---------------------------------------------------------------- the production runner, locally
# (Flink's own datagen/print connectors; table.dml-sync so that the script waits for its jobs)
import tempfile
script = """-- smoke test of the runner
SET 'table.dml-sync' = 'true';
SET 'parallelism.default' = '1';
CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '3',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3');
CREATE TABLE out_a (id BIGINT, note STRING) WITH ('connector' = 'print', 'print-identifier' = 'A');
CREATE TABLE out_b WITH ('print-identifier' = 'B') LIKE out_a;
BEGIN STATEMENT SET;
INSERT INTO out_a SELECT id, 'a;1' FROM src; -- a comment; with a semicolon
INSERT INTO out_b SELECT id * 10, 'b' FROM src;
END;
EXECUTE STATEMENT SET BEGIN
  INSERT INTO out_a SELECT id + 100, 'c' FROM src;
  INSERT INTO out_b SELECT id + 200, 'd' FROM src;
END;
INSERT INTO out_a /* plain */ SELECT id + 1000, name FROM src;
"""
with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
    f.write(script)
cut = launch["args"].index("-cp")
jvm = [a for a in launch["args"][:cut] if not a.startswith("-XX:SharedArchiveFile")]
lib_cp = ":".join(x for x in launch["args"][cut + 1].split(":") if "/lib/" in x)
run = subprocess.run([launch["java"]] + jvm + ["-cp", runner + ":" + lib_cp, "io.flinkops.flink.runner.SqlRunner",
                      "--script", f.name], capture_output=True, text=True, timeout=300)
out = run.stdout
got = sorted(l.split("+I[")[1].split(",")[0] for l in out.splitlines() if l.startswith(("A> +I[", "B> +I[")))
check("runner: statement sets and INSERTs ran (%d rows)" % len(got),
      run.returncode == 0 and sorted(got, key=int) == ["1", "2", "3", "10", "20", "30", "101", "102", "103",
                                                         "201", "202", "203", "1001", "1002", "1003"]
      and out.count("Submitted statement set of 2 INSERT(s)") == 2,
      "rc=%d %s %s" % (run.returncode, out[-800:], run.stderr[-800:]))
os.unlink(f.name)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
