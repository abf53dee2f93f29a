#!/usr/bin/env bash
# Runs a tinyllama-spark job on a throwaway standalone cluster on this machine: Spark's own Master and N Workers
# (one core, one executor each) started from the build's classpath, then stopped.
#   bench/spark-cluster.sh N eval --model /tmp/tl11 --tasks ... --data-dir ... --output results.json
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
workers="$1"; shift
"$here/tinyllama-spark" --help >/dev/null   # builds what is missing
cp="$here/spark/target/classes:$(cat "$here/spark/target/classpath.txt")"
scratch="$(mktemp -d)"
mkdir -p "$scratch/home/jars"
opens=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
    java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens="$opens --add-opens=java.base/$p=ALL-UNNAMED"
done
export SPARK_HOME="$scratch/home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
pids=()
cleanup() { for pid in "${pids[@]}"; do pkill -9 -P "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done; rm -rf "$scratch"; }
trap cleanup EXIT
port=7177
daemon() { java -Xmx256m $opens -Dlog4j2.configurationFile="$here/spark/log4j2.properties" -cp "$cp" "$@" \
  >"$scratch/$(date +%s%N).log" 2>&1 & pids+=($!); }
daemon org.apache.spark.deploy.master.Master --host 127.0.0.1 --port $port --webui-port 7178
sleep 5
for i in $(seq "$workers"); do
  daemon org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 8g --webui-port $((7180 + i)) \
    --work-dir "$scratch/work-$i" spark://127.0.0.1:$port
done
sleep 5
job="$1"; shift
TINYLLAMA_JAVA_OPTS="-Dspark.driver.host=127.0.0.1 -Dspark.executor.memory=2g -Dspark.cores.max=$workers ${TINYLLAMA_JAVA_OPTS:-}" \
  "$here/tinyllama-spark" "$job" --master spark://127.0.0.1:$port "$@"
