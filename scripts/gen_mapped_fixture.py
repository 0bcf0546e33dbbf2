#!/usr/bin/env python3
"""Write fixtures/mapped-gw/ (logs of a made-up gateway + its mapping file) and
fixtures/mapped-gw.expected.json, the figures computed here, independently of
auditsum. The gateway uses `action` or `eventType` for the event type,
`sessionKey`, epoch-second float times and fields nested under `data`.

    python3 scripts/gen_mapped_fixture.py fixtures
"""
import gzip
import json
import math
import os
import random
import sys

MAPPING = '''name = "gw"
description = "a made-up gateway: action/eventType, sessionKey, epoch-second floats, fields under data"

[fields]
type = ["action", "eventType"]
time = "time"
run_id = "data.runId"
session = "sessionKey"
channel = "data.channel"
backend = "data.backend"
source = "data.source"
latency_ms = "data.latencyMs"
reason = "data.reason"
rule_name = "data.rule"
candidate_count = "data.candidates"

[time]
unit = "s"

[[event]]
type = "agent.run"
field = "data.status"
values = { started = "run.start", finished = "run.complete", killed = "run.cancelled", crashed = "run.error" }

[[event]]
type = "agent.stop"
role = "cancel"

[[event]]
type = "rule.hit"
role = "reaction.match"

[[event]]
type = "rule.miss"
role = "reaction.skip"
'''


def stats(values):
    if not values:
        return {"count": 0}
    v = sorted(values)
    n = len(v)
    rank = lambda p: v[max(1, math.ceil(p / 100 * n)) - 1]
    return {"count": n, "min": v[0], "max": v[-1], "mean": sum(v) / n,
            "p50": rank(50), "p95": rank(95), "p99": rank(99)}


def main(out):
    rnd = random.Random(13)
    t0 = 1_773_200_000_000  # ms
    lines = []  # (ms, dict)
    runs = {}
    for i in range(240):
        rid = f"run-{i:04d}"
        ch = rnd.choice(["slack", "telegram", "web"])
        start = t0 + rnd.randrange(0, 3_600_000)
        dur = rnd.randrange(50, 90_000)
        outcome = rnd.choices(["finished", "killed", "crashed", None], [70, 10, 10, 10])[0]
        has_start = rnd.random() > 0.05
        key = "action" if rnd.random() < 0.7 else "eventType"
        if has_start:
            lines.append((start, {key: "agent.run", "sessionKey": f"s{i % 17}",
                                  "data": {"runId": rid, "status": "started", "channel": ch, "backend": "b1"}}))
        if outcome:
            lines.append((start + dur, {key: "agent.run", "sessionKey": f"s{i % 17}",
                                        "data": {"runId": rid, "status": outcome, "channel": ch}}))
        # a status that means nothing: counted in event_types only
        if rnd.random() < 0.1:
            lines.append((start + 1, {key: "agent.run", "data": {"runId": rid, "status": "paused"}}))
        runs[rid] = (ch, has_start, outcome, dur)
        if rnd.random() < 0.3:
            lines.append((start + 2, {"action": "tool.call", "data": {"runId": rid, "tool": "grep"}}))
    cancels = []
    for i in range(60):
        t = t0 + rnd.randrange(0, 3_600_000)
        lat = rnd.randrange(1, 5000)
        src = rnd.choice(["user", "timeout"])
        lines.append((t, {"action": "agent.stop", "data": {"source": src, "latencyMs": lat, "channel": "slack"}}))
        cancels.append(lat)
    matched = skipped = cand = 0
    for i in range(80):
        t = t0 + rnd.randrange(0, 3_600_000)
        if rnd.random() < 0.4:
            lines.append((t, {"eventType": "rule.hit", "data": {"rule": "greet", "channel": "web"}}))
            matched += 1
        else:
            c = rnd.randrange(0, 5)
            lines.append((t, {"eventType": "rule.miss", "data": {"reason": "cooldown", "candidates": c, "channel": "web"}}))
            skipped += 1
            cand += c
    lines.sort(key=lambda x: x[0])
    d = os.path.join(out, "mapped-gw")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "gw.toml"), "w") as f:
        f.write(MAPPING)
    rendered = []
    for ms, obj in lines:
        obj = {"time": float(f"{ms // 1000}.{ms % 1000:03d}"), **obj}
        rendered.append(json.dumps(obj, separators=(",", ":")))
    half = len(rendered) // 2
    with open(os.path.join(d, "gw-1.jsonl"), "w") as f:
        f.write("\n".join(rendered[:half]) + "\n")
    with gzip.open(os.path.join(d, "gw-0.jsonl.gz"), "wt") as f:
        f.write("\n".join(rendered[half:]) + "\n")

    event_types = {}
    for _, obj in lines:
        t = obj.get("action") or obj.get("eventType")
        event_types[t] = event_types.get(t, 0) + 1
    name = {"finished": "completed", "killed": "cancelled", "crashed": "errored"}

    def summary(rs):
        s = {"runs": len(rs), "completed": 0, "cancelled": 0, "errored": 0, "open": 0}
        durs = []
        for ch, has_start, outcome, dur in rs:
            s[name[outcome] if outcome else "open"] += 1
            if outcome and has_start:
                durs.append(dur)
        s["duration_ms"] = stats(durs)
        return s

    rs = [r for r in runs.values() if r[1] or r[2]]
    exp = {
        "event_types": event_types,
        "inputs": {"files": 2, "events": len(lines), "malformed_lines": 0, "dialects": {"gw": 2}},
        "runs": {"total": summary(rs),
                 "by_channel": {ch: summary([r for r in rs if r[0] == ch]) for ch in sorted({r[0] for r in rs})}},
        "cancels": {"total": {"count": len(cancels), "acknowledged": 0, "unacknowledged": len(cancels),
                              "latency_ms": stats(cancels)}},
        "reactions": {"total": {"matched": matched, "skipped": skipped, "candidate_count_sum": cand}},
    }
    with open(os.path.join(out, "mapped-gw.expected.json"), "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fixtures")
