"""auditsum on Spark: summarise a fleet's audit logs where Spark reads them.

    spark-submit --master spark://HOST:7077 integrations/spark/auditsum_job.py \\
        --binary target/release/auditsum --out base/fleet \\
        [--partitions N] [--since T --until T --where K=V ...] \\
        hdfs:///logs/gateway  s3a://bucket/logs  file:///data/logs

1. The driver lists every file under the input paths through Spark's Hadoop file
   systems (local, hdfs://, s3a://, ...), recursively.
2. `binaryFiles` spreads the files over tasks. Each task lays its files out in a
   scratch folder under their relative paths (below a folder named like the input
   root) and runs the shipped auditsum binary over that folder with
   `summarize ROOT --state -`: auditsum itself applies its discovery rules (names,
   sniffed rotated logs) and reads gzip/zstd by content. A state is a pure function
   of its files, so a retried or speculative task gives the same bytes and Spark
   keeps one result per partition: nothing counts twice.
3. The states are combined by `treeReduce` through `auditsum merge --state -`.
4. The driver writes PREFIX.json and PREFIX.md with `auditsum merge --out`,
   applying the selection options. A file appears as ROOTNAME/relative/path, as
   `cd PARENT && auditsum summarize ROOTNAME` names it, so the artifacts are
   byte-identical to one local summarize of the same folder.

See docs/scale.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import unquote


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="input folders or files (any Hadoop file system URI)")
    ap.add_argument("--binary", required=True, help="the auditsum binary to ship to the executors")
    ap.add_argument("--out", help="artifact prefix on the driver (PREFIX.json, PREFIX.md)")
    ap.add_argument("--state", help="also write the merged state here (on the driver)")
    ap.add_argument("--partitions", type=int, default=0, help="tasks (default: Spark's default parallelism)")
    ap.add_argument("--max-keys", help="passed to summarize (all states must agree)")
    ap.add_argument("--dialect", help="passed to summarize: auto, a built-in's name, or a mapping file "
                    "on the driver (shipped to the executors)")
    ap.add_argument("--since")
    ap.add_argument("--until")
    ap.add_argument("--now")
    ap.add_argument("--where", action="append", default=[])
    ap.add_argument("--top")
    ap.add_argument("--task-delay", type=float, default=0.0,
                    help="testing aid: seconds each task waits before its work (lets a test kill a worker mid-job)")
    return ap.parse_args(argv)


def run(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p.stdout


def binary_path(name):
    from pyspark import SparkFiles
    path = SparkFiles.get(name)
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


def readable_name(name):
    """auditsum's name rule for files inside folders (src/input/discover.rs
    `classify_name`): *.jsonl / *.ndjson, or rotated *.log[.N] (sniffed by
    auditsum itself), optionally .gz / .zst. Other files are skipped here as
    auditsum would skip them (and Hadoop's input formats refuse hidden names)."""
    base = name
    for ext in (".gz", ".zst"):
        if base.endswith(ext):
            base = base[: -len(ext)]
            break
    if base.endswith(".jsonl") or base.endswith(".ndjson"):
        return True
    stem, dot, n = base.rpartition(".")
    if dot and n.isdigit():
        base = stem
    return base.endswith(".log")


def list_files(sc, inputs):
    """(root display name, root URI, [file URIs]) per input, via the JVM's Hadoop FS."""
    jvm = sc._jvm
    conf = sc._jsc.hadoopConfiguration()
    out = []
    for inp in inputs:
        path = jvm.org.apache.hadoop.fs.Path(inp)
        fs = path.getFileSystem(conf)
        status = fs.getFileStatus(path)
        root = status.getPath().toString()
        files = []
        if status.isDirectory():
            it = fs.listFiles(path, True)
            while it.hasNext():
                p = it.next().getPath()
                if readable_name(p.getName()):
                    files.append(p.toString())
        else:
            files.append(root)
        name = os.path.basename(root.rstrip("/")) or "root"
        out.append((name, root, sorted(files)))
    return out


def main(argv):
    a = parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("auditsum").getOrCreate()
    sc = spark.sparkContext
    sc.addFile(os.path.abspath(a.binary))
    exe_name = os.path.basename(a.binary)
    summarize_opts = ["--max-keys", a.max_keys] if a.max_keys else []
    # a mapping file is shipped like the binary; states record it by content,
    # so its path on the executors does not matter
    mapping = a.dialect if a.dialect and os.path.isfile(a.dialect) else None
    if mapping:
        sc.addFile(os.path.abspath(mapping))
    elif a.dialect:
        summarize_opts += ["--dialect", a.dialect]

    roots = list_files(sc, a.inputs)
    # every file URI -> its name in the artifact (ROOTNAME/relative/path)
    names = {}
    for name, root, files in roots:
        for f in files:
            rel = f[len(root):].lstrip("/") if f != root else os.path.basename(f)
            names[f] = unquote(os.path.join(name, rel) if f != root else name)
    uris = sorted(names)
    delay = a.task_delay

    def task(records):
        records = list(records)
        if not records:
            return
        if delay:
            time.sleep(delay)
        exe = binary_path(exe_name)
        work = tempfile.mkdtemp(prefix="auditsum-task-")
        try:
            tops = set()
            for uri, content in records:
                shown = names_b.value[uri]
                local = os.path.join(work, shown)
                os.makedirs(os.path.dirname(local), exist_ok=True)
                with open(local, "wb") as f:
                    f.write(content)
                tops.add(shown.split("/", 1)[0])
            opts = list(summarize_opts)
            if mapping:
                from pyspark import SparkFiles
                opts += ["--dialect", SparkFiles.get(os.path.basename(mapping))]
            cmd = [exe, "summarize", *sorted(tops), "--state", "-", "-q", *opts]
            p = subprocess.run(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode not in (0, 1):
                raise RuntimeError(f"auditsum summarize exited {p.returncode}: {p.stderr.decode(errors='replace')}")
            yield p.stdout
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def merge(x, y):
        exe = binary_path(exe_name)
        with tempfile.TemporaryDirectory(prefix="auditsum-merge-") as d:
            pa, pb = os.path.join(d, "a.state"), os.path.join(d, "b.state")
            with open(pa, "wb") as f:
                f.write(x)
            with open(pb, "wb") as f:
                f.write(y)
            return run([exe, "merge", pa, pb, "--state", "-"])

    names_b = sc.broadcast(names)
    driver_dir = tempfile.mkdtemp(prefix="auditsum-driver-")
    try:
        final = os.path.join(driver_dir, "all.state")
        if uris:
            parts = a.partitions or sc.defaultParallelism
            rdd = sc.binaryFiles(",".join(uris), minPartitions=parts).mapPartitions(task)
            state = rdd.treeReduce(merge, depth=2)
            with open(final, "wb") as f:
                f.write(state)
        else:
            empty = os.path.join(driver_dir, "empty")
            os.makedirs(empty)
            with open(final, "wb") as f:
                f.write(run([a.binary, "summarize", empty, "--allow-empty", "--state", "-", "-q", *summarize_opts,
                             *(["--dialect", mapping] if mapping else [])]))
        if a.state:
            shutil.copyfile(final, a.state)
        if a.out:
            cmd = [a.binary, "merge", final, "--out", a.out, "-q"]
            for flag in ("since", "until", "now", "top"):
                if getattr(a, flag):
                    cmd += [f"--{flag}", getattr(a, flag)]
            for w in a.where:
                cmd += ["--where", w]
            run(cmd)
    finally:
        shutil.rmtree(driver_dir, ignore_errors=True)
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
