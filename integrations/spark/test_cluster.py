#!/usr/bin/env python3
"""End-to-end test of the Spark job on a real standalone cluster (docs/scale.md).

    python3 integrations/spark/test_cluster.py --binary target/debug/auditsum

Starts a Spark master and workers on this machine from the `pyspark` package's own
launcher (bin/spark-class; JDK 17 needed), generates a messy corpus
(scripts/gen_corpus.py: nested folders, gzip and multi-member gzip parts, rotated
logs, runs spread across files, corrupt lines) and checks that the job's
PREFIX.json and PREFIX.md are byte-identical to one `auditsum summarize` of the
same folder:
  1. with one worker, 2. with two workers, 3. with two workers, one of which is
  killed (with its executor) while the job runs.
Prints the wall times. Exit 0 on success; every process it started is stopped.

For measuring (docs/scale.md), on a folder of your own and a release build:

    python3 integrations/spark/test_cluster.py --binary target/release/auditsum \
        --corpus bench-data/clean-300 --partitions 8 --no-kill
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home():
    import pyspark
    return os.path.dirname(pyspark.__file__)


class Cluster:
    def __init__(self, work):
        self.work = work
        self.home = spark_home()
        self.port = free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.procs = {}
        self.env = dict(os.environ, SPARK_HOME=self.home, PYSPARK_PYTHON=sys.executable,
                        PYSPARK_DRIVER_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")

    def start(self, name, cls, *args):
        log = open(os.path.join(self.work, f"{name}.log"), "wb")
        p = subprocess.Popen([os.path.join(self.home, "bin", "spark-class"), cls, *args],
                             stdout=log, stderr=subprocess.STDOUT, env=self.env,
                             start_new_session=True)
        self.procs[name] = p
        return p

    def log(self, name):
        with open(os.path.join(self.work, f"{name}.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def start_master(self):
        self.start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                   "--port", str(self.port), "--webui-port", str(free_port()))
        self.wait("master", "I have been elected leader", 120)

    def start_worker(self, n):
        d = os.path.join(self.work, f"worker{n}")
        os.makedirs(d, exist_ok=True)
        self.start(f"worker{n}", "org.apache.spark.deploy.worker.Worker", self.url,
                   "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                   "--work-dir", d, "--webui-port", str(free_port()))
        self.wait(f"worker{n}", "Successfully registered with master", 120)

    def wait(self, name, text, secs):
        end = time.time() + secs
        while time.time() < end:
            if text in self.log(name):
                return
            if self.procs[name].poll() is not None:
                break
            time.sleep(0.5)
        raise SystemExit(f"{name} did not report {text!r}:\n{self.log(name)[-3000:]}")

    def kill(self, name):
        p = self.procs.pop(name)
        executors = executor_pids(p)
        try:
            os.killpg(p.pid, signal.SIGKILL)  # the worker and the executors it launched
        except ProcessLookupError:
            pass
        p.wait()
        for pid in executors:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self):
        for name in list(self.procs):
            self.kill(name)


def executor_pids(worker):
    """Executor JVMs launched by this worker: they stay in its session (the
    worker was started as a session leader)."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace")
            sid = os.getsid(int(pid))
        except OSError:
            continue
        if "CoarseGrainedExecutorBackend" in cmd and sid == worker.pid:
            pids.append(int(pid))
    return pids


def submit(cluster, binary, corpus, prefix, extra=(), background=False, partitions=4):
    cmd = [os.path.join(cluster.home, "bin", "spark-submit"), "--master", cluster.url,
           "--conf", "spark.driver.memory=512m", "--conf", "spark.executor.memory=512m",
           "--conf", "spark.ui.enabled=false",
           os.path.join(HERE, "auditsum_job.py"), "--binary", binary, "--out", prefix,
           "--partitions", str(partitions), *extra, "file://" + corpus]
    log = open(prefix + ".submit.log", "wb")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=cluster.env)
    if background:
        return p
    if p.wait() != 0:
        raise SystemExit(f"spark-submit failed:\n{open(prefix + '.submit.log').read()[-4000:]}")
    return p


def same(want, got):
    for ext in ("json", "md"):
        with open(f"{want}.{ext}", "rb") as a, open(f"{got}.{ext}", "rb") as b:
            if a.read() != b.read():
                raise SystemExit(f"{got}.{ext} differs from {want}.{ext}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "debug", "auditsum"))
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--corpus", help="an existing folder of logs instead of a generated one "
                    "(it is symlinked as `corpus`, so the files keep their names)")
    ap.add_argument("--partitions", type=int, default=4, help="Spark partitions (tasks)")
    ap.add_argument("--no-kill", action="store_true",
                    help="skip the run that kills a worker (for measuring)")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix="auditsum-spark-")
    corpus = os.path.join(work, "corpus")
    if a.corpus:
        os.symlink(os.path.abspath(a.corpus), corpus)
    else:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_corpus.py"),
                        "--messy", "--runs", str(a.runs), "--seed", "11", corpus], check=True,
                       stdout=subprocess.DEVNULL)
    t = time.time()
    subprocess.run([binary, "summarize", "corpus", "--out", "want", "-q"], cwd=work, check=True)
    local = time.time() - t
    print(f"summarize (local, one process): {local:.2f}s")
    want = os.path.join(work, "want")

    cluster = Cluster(work)
    try:
        cluster.start_master()
        cluster.start_worker(1)
        t = time.time()
        submit(cluster, binary, corpus, os.path.join(work, "one"), partitions=a.partitions)
        print(f"spark job, 1 worker: {time.time() - t:.2f}s")
        same(want, os.path.join(work, "one"))

        cluster.start_worker(2)
        t = time.time()
        submit(cluster, binary, corpus, os.path.join(work, "two"), partitions=a.partitions)
        print(f"spark job, 2 workers: {time.time() - t:.2f}s")
        same(want, os.path.join(work, "two"))
        if a.no_kill:
            print("ok: 1 worker and 2 workers give the bytes of one summarize")
            return

        # kill worker 2 (and its executor) while its tasks wait
        t = time.time()
        p = submit(cluster, binary, corpus, os.path.join(work, "killed"),
                   extra=["--task-delay", "8"], background=True)
        end = time.time() + 180
        while not executor_pids(cluster.procs["worker2"]):
            if time.time() > end or p.poll() is not None:
                raise SystemExit("no executor started on worker 2")
            time.sleep(0.5)
        time.sleep(4)
        cluster.kill("worker2")
        print("killed worker 2 and its executor mid-job")
        if p.wait() != 0:
            raise SystemExit(f"spark-submit failed:\n{open(os.path.join(work, 'killed.submit.log')).read()[-4000:]}")
        print(f"spark job, worker killed: {time.time() - t:.2f}s")
        same(want, os.path.join(work, "killed"))
        print("ok: 1 worker, 2 workers and a killed worker give the bytes of one summarize")
    finally:
        cluster.stop()
        if not a.keep:
            import shutil
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept", work)


if __name__ == "__main__":
    main()
