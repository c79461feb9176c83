#!/usr/bin/env bash
# Builds the flinkops Flink helper and production SQL runner for ONE Flink version into the cache:
#
#   flink/build.sh 1.20.4
#
#   ${FLINKOPS_CACHE:-$HOME/.cache/flinkops}/flink/<version>/
#     launch.json                      {"flinkVersion","java","args":[...],"runnerJar"}: spawn `java` with args
#     flinkops-helper-<version>.jar    the helper (validate / preview / compile)
#     flinkops-sql-runner-<version>.jar  the production SQL runner (Flink classes not included)
#     lib/*.jar                        the helper's classpath (this Flink version's table stack)
#
# Idempotent: does nothing when launch.json is newer than every file under flink/src, flink/pom.xml
# and this script. Maven output goes to stderr; stdout stays empty. Extra Maven arguments can be
# given in FLINKOPS_MVN_ARGS (e.g. -o, -Dmaven.repo.local=...). FLINKOPS_FORCE=1 rebuilds.
set -euo pipefail

usage() { echo "usage: $0 <flinkVersion>   (e.g. 1.20.4 or 2.2.1)" >&2; exit 2; }
[ $# -eq 1 ] || usage
V="$1"
[[ "$V" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || usage

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${FLINKOPS_CACHE:-$HOME/.cache/flinkops}"
mkdir -p "$CACHE/flink"
CACHE="$(cd "$CACHE" && pwd)"
OUT="$CACHE/flink/$V"
LAUNCH="$OUT/launch.json"

fresh() {
  [ -f "$LAUNCH" ] && [ -z "${FLINKOPS_FORCE:-}" ] &&
    [ -z "$(find "$HERE/src" "$HERE/pom.xml" "$HERE/build.sh" -newer "$LAUNCH" -print -quit 2>/dev/null)" ]
}

fresh && exit 0

# one build per version at a time (the TypeScript side may call us concurrently)
exec 9>"$CACHE/flink/.build-$V.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
fresh && exit 0

MAJOR="${V%%.*}"
LINE="${MAJOR}.x"
[ -d "$HERE/src/main/java-$LINE" ] || { echo "build.sh: Flink $MAJOR.x is not supported (no src/main/java-$LINE)" >&2; exit 2; }

echo "build.sh: building the flinkops helper for Flink $V ..." >&2
# shellcheck disable=SC2086
mvn -q -B -T1 -Dstyle.color=never -f "$HERE/pom.xml" package -Dflink.version="$V" -Dflink.line="$LINE" ${FLINKOPS_MVN_ARGS:-} >&2

T="$HERE/target/$V"
TMP="$CACHE/flink/.tmp-$V-$$"
rm -rf "$TMP"
mkdir -p "$TMP/lib"
cp "$T"/lib/*.jar "$TMP/lib/"
cp "$T/flinkops-flink-$V.jar" "$TMP/flinkops-helper-$V.jar"
cp "$T/flinkops-flink-$V-runner.jar" "$TMP/flinkops-sql-runner-$V.jar"

JAVA="java"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"; fi

training_requests() { # a small workload touching validate, preview and compile
  local src="CREATE TABLE orders (id BIGINT, customer_id BIGINT, amount DECIMAL(10, 2), ts TIMESTAMP(3), pt AS PROCTIME(), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'kafka', 'format' = 'json')"
  local dim="CREATE TABLE customers (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'jdbc')"
  local out="CREATE TABLE out1 (k STRING, ws TIMESTAMP(3), c BIGINT, s DECIMAL(12, 2)) WITH ('connector' = 'print')"
  local out2="CREATE TABLE out2 (name STRING, c BIGINT, PRIMARY KEY (name) NOT ENFORCED) WITH ('connector' = 'upsert-kafka')"
  local q1="INSERT INTO out1 SELECT c.name, window_start, COUNT(*), SUM(amount) FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) AS o JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.customer_id = c.id GROUP BY c.name, window_start, window_end"
  local q2="INSERT INTO out2 SELECT c.name, COUNT(*) FROM orders AS o JOIN customers AS c ON o.customer_id = c.id WHERE o.amount > 1 GROUP BY c.name"
  local stmts="[{\"sql\":\"SET 'table.exec.state.ttl' = '1 h'\"},{\"sql\":\"$src\"},{\"sql\":\"$dim\"},{\"sql\":\"$out\"},{\"sql\":\"$out2\"},{\"sql\":\"BEGIN STATEMENT SET\"},{\"sql\":\"$q1\"},{\"sql\":\"$q2\"},{\"sql\":\"END\"},{\"sql\":\"SELECT id, CAST(amount AS STRING) AS a FROM orders WHERE id > 2\"},{\"sql\":\"SELEC x\"}]"
  echo '{"id":"t1","op":"version"}'
  echo "{\"id\":\"t2\",\"op\":\"validate\",\"jobs\":[{\"job\":\"t\",\"statements\":$stmts}]}"
  echo "{\"id\":\"t3\",\"op\":\"preview\",\"job\":\"t\",\"rows\":5,\"statements\":$stmts}"
  echo "{\"id\":\"t4\",\"op\":\"compile\",\"job\":\"t\",\"statements\":$stmts}"
}

CP="$OUT/flinkops-helper-$V.jar"
for j in "$TMP"/lib/*.jar; do CP="$CP:$OUT/lib/$(basename "$j")"; done

# JVM flags: modest heap, fast start-up, Java 17 module opens that Flink needs for its mini cluster
# (serialisation of JDK classes, Kryo, netty), JVM logging to stderr only, UTC by default
# (a job's 'table.local-time-zone' still applies).
ARGS=(
  -Xmx1g -Xss4m
  -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  -XX:+IgnoreUnrecognizedVMOptions
  -Xlog:disable -Xlog:all=warning:stderr
  -Duser.timezone=UTC -Dfile.encoding=UTF-8 -Djava.awt.headless=true
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.math=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
  --add-opens=java.base/java.util.regex=ALL-UNNAMED
  --add-opens=java.sql/java.sql=ALL-UNNAMED
  -cp "$CP"
  io.flinkops.flink.Helper
)

rm -rf "$OUT"
mv "$TMP" "$OUT"

# Class-data sharing: run the helper once on a small training workload and archive the classes it
# loaded (-XX:ArchiveClassesAtExit); later starts map them instead of loading and verifying them,
# which roughly halves the time to the first validate answer. The archive is tied to this exact
# classpath and JDK; if it does not match at run time the JVM just starts without it (warning on
# stderr). FLINKOPS_NO_CDS=1 skips it.
if [ -z "${FLINKOPS_NO_CDS:-}" ]; then
  echo "build.sh: training the class-data-sharing archive ..." >&2
  if training_requests | timeout 300 "$JAVA" -XX:ArchiveClassesAtExit="$OUT/helper.jsa" "${ARGS[@]}" \
       >/dev/null 2>"$OUT/cds-training.log" && [ -s "$OUT/helper.jsa" ]; then
    ARGS=(-XX:SharedArchiveFile="$OUT/helper.jsa" "${ARGS[@]}")
  else
    echo "build.sh: no class-data-sharing archive (see $OUT/cds-training.log); the helper starts without it" >&2
    rm -f "$OUT/helper.jsa"
  fi
fi

json_str() { # JSON string literal
  local s="${1//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

{
  printf '{"flinkVersion":%s,"java":%s,"args":[' "$(json_str "$V")" "$(json_str "$JAVA")"
  first=1
  for a in "${ARGS[@]}"; do
    if [ $first -eq 1 ]; then first=0; else printf ','; fi
    json_str "$a"
  done
  printf '],"runnerJar":%s,"helperJar":%s}\n' \
    "$(json_str "$OUT/flinkops-sql-runner-$V.jar")" "$(json_str "$OUT/flinkops-helper-$V.jar")"
} > "$OUT/launch.json.new"
mv "$OUT/launch.json.new" "$OUT/launch.json"
echo "build.sh: Flink $V ready in $OUT" >&2
