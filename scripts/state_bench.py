#!/usr/bin/env python3
"""State size per run and merge throughput (docs/scale.md "Measured").

    scripts/state_bench.py [--runs 1000000] [--shards 4] [--rounds 3] [--binary target/release/auditsum]

Writes a log of N distinct runs (a start with channel, backend, origin and
session, and a terminal; a tenth also cancelled), split into SHARDS files,
under bench-data/states-N/ (deterministic), then:
  1. `summarize FILE --state` per shard: state bytes / runs in the shard;
  2. `merge` of the shard states into one state and into `--json`: median wall
     time over ROUNDS, runs merged per second, peak RSS;
  3. checks that the merged JSON equals one `summarize --json` of the folder,
     and prints that summarize's time and peak RSS.
Targets (issue 14): <= 64 state bytes per distinct run, >= 1 M runs/s merged.
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_logs(folder, runs, shards, seed=5):
    rng = random.Random(seed)
    os.makedirs(folder, exist_ok=True)
    t0 = 1_772_000_000_000
    channels = ["slack", "discord", "telegram", "gateway", "matrix"]
    backends = ["pi", "native", "remote"]
    sessions = max(1, runs // 20)
    files = [open(os.path.join(folder, f"shard-{i:02}.jsonl"), "w") for i in range(shards)]
    try:
        for r in range(runs):
            f = files[r % shards]
            rid = f"run-{r:08d}-{rng.getrandbits(32):08x}"
            ts = t0 + rng.randrange(7 * 86_400_000)
            f.write(json.dumps({
                "ts": ts, "type": "run.state", "state": "started", "run_id": rid,
                "channel": channels[r % 5], "backend": backends[r % 3], "origin": "channel",
                "session_id": f"sess-{rng.randrange(sessions):06d}",
            }, separators=(",", ":")) + "\n")
            end = ts + rng.randrange(1, 600_000)
            if r % 10 == 0:
                f.write(json.dumps({
                    "ts": end - 50, "type": "run.cancel", "run_id": rid, "source": "user",
                    "latency_ms": rng.randrange(2_000),
                }, separators=(",", ":")) + "\n")
            state = "cancelled" if r % 10 == 0 else ("error" if r % 7 == 0 else "completed")
            f.write(json.dumps({"ts": end, "type": "run.state", "state": state, "run_id": rid},
                               separators=(",", ":")) + "\n")
    finally:
        for f in files:
            f.close()


def timed(cmd, cwd):
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr.decode(errors='replace')[-2000:]}")
    rss = int(re.search(rb"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    cpu = sum(float(re.search(rb"%s time \(seconds\): ([0-9.]+)" % k, p.stderr).group(1))
              for k in (b"User", b"System"))
    return wall, rss * 1024, p.stdout, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "auditsum"))
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    data = os.path.join(ROOT, "bench-data", f"states-{a.runs}-{a.shards}")
    logs = os.path.join(data, "logs")
    if not os.path.isdir(logs):
        write_logs(logs, a.runs, a.shards)
    names = sorted(os.listdir(logs))
    states = []
    total = 0
    for n in names:
        st = os.path.join(data, n + ".state")
        subprocess.run([binary, "summarize", f"logs/{n}", "--state", st, "-q"], cwd=data, check=True)
        states.append(st)
        total += os.path.getsize(st)
    print(f"runs: {a.runs} in {a.shards} states, {total} bytes: {total / a.runs:.1f} bytes/run")

    rounds = {"--state": [], "--json": []}
    cpus = {"--state": [], "--json": []}
    rss = {}
    for _ in range(a.rounds):
        for mode in rounds:
            out = ["--state", os.path.join(data, "merged.state")] if mode == "--state" else ["--json"]
            wall, peak, stdout, cpu = timed([binary, "merge", *states, *out], data)
            rounds[mode].append(wall)
            cpus[mode].append(cpu)
            rss[mode] = max(rss.get(mode, 0), peak)
            if mode == "--json":
                merged_json = stdout
    for mode, walls in rounds.items():
        med = statistics.median(walls)
        cpu = statistics.median(cpus[mode])
        print(f"merge {len(states)} states -> {mode}: median {med:.3f}s wall of {a.rounds} "
              f"({a.runs / med / 1e6:.2f} M runs/s), {cpu:.3f}s CPU (user+sys; "
              f"{a.runs / cpu / 1e6:.2f} M runs per CPU-second), peak RSS {rss[mode] / 1e6:.0f} MB")
    merged = os.path.getsize(os.path.join(data, "merged.state"))
    print(f"merged state: {merged} bytes: {merged / a.runs:.1f} bytes/run")
    wall, peak, want, _ = timed([binary, "summarize", "logs", "--json", "-q"], data)
    print(f"one summarize of the folder: {wall:.3f}s, peak RSS {peak / 1e6:.0f} MB "
          f"({peak / a.runs:.0f} bytes/run, with the process's fixed share)")
    if want != merged_json:
        sys.exit("merge --json differs from one summarize --json of the folder")
    print("ok: merge --json equals one summarize --json of the folder")


if __name__ == "__main__":
    main()
