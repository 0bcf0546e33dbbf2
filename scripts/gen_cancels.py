#!/usr/bin/env python3
"""Write a gzip'd log of nothing but `run.cancel` lines, for the memory bound of
cancels (docs/scale.md, docs/robustness.md):

    scripts/gen_cancels.py --megabytes 1024 --runs 100000 OUT.jsonl.gz

Lines are ~130 bytes: a run id out of --runs, a source, a channel on half of
them, a latency or requested/acknowledged times, a timestamp over one day.
Memory of `auditsum summarize OUT.jsonl.gz` must follow --runs, not --megabytes.

--spread MS puts each run's cancels within MS milliseconds of a time of its own
(default: a day, i.e. anywhere). A state keeps a cancel that lacks an attribute
by its run and minute (docs/scale.md), so its size follows the distinct
(run, minute) pairs: --spread 60000 is what real runs look like (their cancels
fall within their own minute or two), the default is the worst case.
"""
import argparse
import gzip
import random

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("out")
ap.add_argument("--megabytes", type=int, default=1024, help="uncompressed size")
ap.add_argument("--runs", type=int, default=100_000, help="distinct run ids")
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--spread", type=int, default=86_400_000,
                help="ms within which a run's cancels fall (default: a day)")
a = ap.parse_args()

rng = random.Random(a.seed)
T0 = 1_772_000_000_000
target = a.megabytes * 1_000_000
sources = ["user", "timeout", "supervisor", "shutdown"]
channels = ["slack", "discord", "telegram", "gateway"]
# a pool of distinct lines, cycled with fresh times and run ids
written = 0
with gzip.open(a.out, "wb", compresslevel=1) as f:
    buf = []
    while written < target:
        for _ in range(10_000):
            run = rng.randrange(a.runs)
            if a.spread >= 86_400_000:
                ts = T0 + rng.randrange(86_400_000)
            else:
                ts = T0 + run * 7919 % (86_400_000 - a.spread) + rng.randrange(a.spread)
            src = sources[run % 4]
            if run % 2:
                extra = f'"channel":"{channels[run % 3]}","latency_ms":{rng.randrange(60_000)}'
            else:
                extra = f'"requested":{ts},"acknowledged":{ts + rng.randrange(5_000)}'
            line = f'{{"type":"run.cancel","ts":{ts},"run_id":"run-{run:08d}","source":"{src}",{extra}}}\n'
            buf.append(line)
            written += len(line)
        f.write("".join(buf).encode())
        buf.clear()
