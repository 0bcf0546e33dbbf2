#!/usr/bin/env python3
"""Write a synthetic agent-gateway audit-log corpus, and (for --messy) the
figures `auditsum summarize DIR --json` must report for it.

The expected figures are computed here, independently of auditsum: the corpus
is read back from disk with Python's own json/gzip modules and summarised by
deliberately plain code (sorted lists, exact nearest-rank percentiles). The
integration tests compare auditsum against it; percentiles may differ by HDR
precision (3 significant digits).

    gen_corpus.py --messy --runs 3000 --seed 7 OUT_DIR      # corpus + OUT_DIR.expected.json
    gen_corpus.py --clean --megabytes 300 --seed 1 OUT_DIR  # one spelling, flat, for benchmarks

Deterministic for a given seed.
"""

import argparse
import datetime as dt
import gzip
import json
import math
import os
import random
import sys

CHANNELS = ["telegram", "discord", "slack", "whatsapp", "signal", "gateway"]
SOURCES = ["stop_command", "timeout", "steer", "shutdown", "gateway_abort"]
REASONS = ["cooldown", "filter_mismatch", "no_rule", "sender_blocked", "rate_limited",
           "self_message", "channel_disabled", "empty_body", "duplicate", "quiet_hours"]
RULES = ["greet", "thanks", "urgent", "deploy-alert", "mention", "standup", "emoji-ack"]
NOISE = ["message.sent", "message.received", "tool.call", "tool.result", "agent.send",
         "heartbeat", "memory.write", "canvas.update", "session.created"]
WORDS = "the quick brown fox jumps over lazy dog agent canvas session deploy merge plan".split()
T0 = 1771977600000  # 2026-02-25T00:00:00Z

STATE_SPELLINGS = {
    "start": ["start", "started"],
    "complete": ["complete", "completed"],
    "cancelled": ["cancelled", "canceled", "aborted"],
    "error": ["error", "failed"],
    "cancel_requested": ["cancel_requested"],
}


# ---------------------------------------------------------------- writing

def rfc3339(ms, rng, clean=False):
    """One of the tolerated time spellings for `ms`."""
    if clean:
        return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)
    form = rng.random()
    if form < 0.2:
        return ms  # epoch milliseconds
    if form < 0.35:
        off = rng.choice([120, -300, 330, 60])
        t = dt.datetime.fromtimestamp(ms / 1000, dt.timezone(dt.timedelta(minutes=off)))
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (ms % 1000) + t.strftime("%z")[:3] + ":" + t.strftime("%z")[3:]
    t = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    if form < 0.42 and ms % 1000 == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form < 0.47 and ms % 100 == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%dZ" % (ms % 1000 // 100)
    if form < 0.5:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d123Z" % (ms % 1000)  # microseconds
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


class Writer:
    """Renders logical events as JSON objects in random spellings."""

    def __init__(self, rng, clean):
        self.rng = rng
        self.clean = clean

    def render(self, ev):
        rng, clean = self.rng, self.clean
        o = {}
        if ev.get("ts") is not None:
            key = "ts" if clean else rng.choice(["ts", "ts", "timestamp", "time"])
            o[key] = rfc3339(ev["ts"], rng, clean)
        elif ev.get("bad_ts"):
            o["ts"] = ev["bad_ts"]
        o["type" if clean or rng.random() < 0.85 else "event"] = ev["type"]
        camel = not clean and rng.random() < 0.3
        for k in ("session_id", "run_id"):
            if ev.get(k) is not None:
                o[camel_case(k) if camel else k] = ev[k]
        for k in ("channel", "backend", "origin"):
            if ev.get(k) is not None:
                o[k] = ev[k]
        body = {}
        for k, v in ev.items():
            if k in ("ts", "bad_ts", "type", "session_id", "run_id", "channel", "backend", "origin"):
                continue
            if k == "state" and not clean:
                v = rng.choice(STATE_SPELLINGS.get(v, [v]))
            if k in ("rule_name", "latency_ms", "candidate_count", "filter_summary") and camel:
                k = camel_case(k)
            body[k] = v
        if body and not clean and rng.random() < 0.4:
            o["payload"] = body
        else:
            o.update(body)
        return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def camel_case(k):
    head, *rest = k.split("_")
    return head + "".join(w.capitalize() for w in rest)


ERROR_BOOST = {}  # channel -> factor on the error share of outcomes (--error-boost)


def generate_events(rng, runs, clean):
    """Logical events (dicts with canonical keys); returns (events, sessions)."""
    sessions = []
    for i in range(max(3, runs // 20)):
        ch = CHANNELS[i % len(CHANNELS)]
        sessions.append(("sess-%s-%05d-%06x" % (ch, i, rng.getrandbits(24)), ch,
                         "native" if rng.random() < 0.2 else "pi"))
    events = []
    t = T0
    for r in range(runs):
        sid, ch, be = rng.choice(sessions)
        origin = "gateway" if ch == "gateway" else "channel"
        run_id = "run-%07d-%08x" % (r, rng.getrandbits(32))
        t += rng.randint(200, 30000)
        env = {"session_id": sid, "run_id": run_id, "channel": ch, "backend": be, "origin": origin}
        if not clean and rng.random() < 0.15:
            # attributes only on some events; origin sometimes left to its default
            env = {"session_id": sid, "run_id": run_id}
        start = {"type": "run.state", "state": "start", "ts": t,
                 "session_id": sid, "run_id": run_id, "channel": ch, "backend": be}
        if clean or rng.random() < 0.7:
            start["origin"] = origin
        if not clean and rng.random() < 0.03:
            del start["ts"]  # untimed start: no duration
        if clean or rng.random() < 0.97:
            events.append(start)
        dur = int(rng.lognormvariate(8.3, 0.9))
        boost = ERROR_BOOST.get(ch, 1.0)
        outcome = rng.choices(["complete", "cancelled", "error", None], [87 - 9 * boost, 10, 9 * boost, 3])[0]
        if outcome == "cancelled" or (outcome == "complete" and rng.random() < 0.02):
            req_t = t + dur - rng.randint(50, 900)
            events.append(dict(env, type="run.state", state="cancel_requested", ts=req_t))
            events.append(cancel_event(rng, clean, env, req_t, t + dur))
        if outcome:
            end = dict(env, type="run.state", state=outcome, ts=t + dur)
            if not clean and rng.random() < 0.05:
                end["channel"] = "zz-late-" + ch  # later and larger: never the run's channel
            events.append(end)
            if not clean and rng.random() < 0.02:
                # a second terminal at the same time: ties broken by state name
                events.append(dict(env, type="run.state", state=rng.choice(["complete", "error", "cancelled"]), ts=t + dur))
        if not clean and rng.random() < 0.01:
            events.append(dict(env, type="run.state", state="paused", ts=t + 1))
        for _ in range(rng.randint(0, 3)):
            events.append(reaction_event(rng, clean, sid, ch, t + rng.randint(0, dur)))
        for _ in range(rng.randint(1, 5)):
            events.append({"type": rng.choice(NOISE), "ts": t + rng.randint(0, dur), "session_id": sid,
                           "channel": ch, "backend": be,
                           "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))})
    if not clean:
        events.append({"type": "run.cancel", "run_id": "run-orphan", "source": "timeout",
                       "acknowledged": True, "latency_ms": 77, "ts": t})
        events.append({"type": "heartbeat", "bad_ts": "not a time"})
        events.append({"type": "run.state", "state": "complete", "ts": t})  # no run_id
    return events


def cancel_event(rng, clean, env, req_t, ack_t):
    ev = {"type": "run.cancel", "ts": ack_t, "run_id": env["run_id"],
          "source": rng.choice(SOURCES)}
    if clean or rng.random() < 0.7:
        ev["channel"] = env.get("channel")
    if not clean and rng.random() < 0.05:
        del ev["source"]
    lat = ack_t - req_t
    form = 0 if clean else rng.randint(0, 7)
    if form == 0:
        ev.update(acknowledged=True, latency_ms=lat)
    elif form == 1:
        ev.update(acknowledged=True, latency_ms=float(lat) + rng.choice([0.0, 0.4, -0.4]))
    elif form == 2:
        ev.update(acknowledged=True, latency_ms=str(lat))
    elif form == 3:
        ev.update(acknowledged=rfc3339(ack_t, rng), requested=rfc3339(req_t, rng))
    elif form == 4:
        ev.update(acknowledged=False, requested=rfc3339(req_t, rng))
    elif form == 5:
        ev.update(acknowledged=True, latency_ms=-5)
    elif form == 6:
        ev.update(acknowledged=rfc3339(req_t - 10, rng), requested=rfc3339(req_t, rng))  # negative: none
    else:
        ev.update(acknowledged=True)
    return {k: v for k, v in ev.items() if v is not None}


def reaction_event(rng, clean, sid, ch, ts):
    if rng.random() < 0.35:
        ev = {"type": "reaction.match", "ts": ts, "session_id": sid, "channel": ch,
              "rule_name": rng.choice(RULES), "sender": "+1555%07d" % rng.randint(0, 9999999),
              "filter_summary": "contains:" + rng.choice(WORDS)}
        if not clean and rng.random() < 0.03:
            del ev["rule_name"]
    else:
        ev = {"type": "reaction.skip", "ts": ts, "session_id": sid, "channel": ch,
              "reason": rng.choice(REASONS), "candidate_count": rng.randint(0, 7)}
        if not clean and rng.random() < 0.03:
            del ev["reason"]
        if not clean and rng.random() < 0.05:
            del ev["candidate_count"]
    if not clean and rng.random() < 0.02:
        del ev["channel"]
    return ev


def write_messy(out, runs, seed):
    rng = random.Random(seed)
    w = Writer(rng, clean=False)
    events = generate_events(rng, runs, clean=False)
    layout = [  # (relative path, compression, crlf, bom)
        ("audit-000.jsonl", None, False, True),
        ("audit-001.ndjson", None, True, False),
        ("gateway/audit-002.jsonl", None, False, False),
        ("daemon/2026-02/audit-003.jsonl.gz", "gzip-multi", False, False),
        ("daemon/2026-02/rotated/audit-004.jsonl", None, True, True),
        ("daemon/logs/gateway.log", None, False, False),
        ("daemon/logs/gateway.log.1", None, False, False),
        ("daemon/logs/gateway.log.2.gz", "gzip", False, False),
        ("deep/a/b/c/audit-005.jsonl", None, False, False),
    ]
    per_file = [[] for _ in layout]
    for ev in events:  # runs split across files, folders and compressed parts
        per_file[rng.randrange(len(layout))].append(w.render(ev).encode())
    junk = [b"{\"type\": 42, \"ts\": 1}", b"[1,2,3]", b"\"just a string\"",
            b"{\"ts\":\"2026-02-25T01:00:00Z\",\"state\":\"complete\",\"run_id\":\"x\"}",
            b"{\"type\":\"message.sent\",\"text\":\"bad \xff\xfe bytes\"}",
            b"{\"type\":\"run.state\",\"state\":\"complete\",\"run_id\":\"torn", b"not json at all",
            b"{\"type\":\"\",\"ts\":1}", b"{\"type\":\"x\"} trailing"]
    for lines in per_file:
        for _ in range(rng.randint(0, 3)):
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(junk))
        for _ in range(rng.randint(0, 3)):
            lines.insert(rng.randrange(len(lines) + 1), rng.choice([b"", b"   ", b"\t"]))
    logs = []
    for (rel, comp, crlf, bom), lines in zip(layout, per_file):
        nl = b"\r\n" if crlf else b"\n"
        data = (b"\xef\xbb\xbf" if bom else b"") + nl.join(lines) + nl
        if rel == "gateway/audit-002.jsonl":
            data += b"{\"ts\":\"2026-02-27T23:59:59Z\",\"type\":\"run.sta"  # torn final line
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if comp == "gzip-multi":
            half = len(data) // 2
            cut = data.index(b"\n", half) + 1 if b"\n" in data[half:] else len(data)
            blob = gzip.compress(data[:cut]) + gzip.compress(data[cut:])
        elif comp == "gzip":
            blob = gzip.compress(data)
        else:
            blob = data
        with open(path, "wb") as f:
            f.write(blob)
        logs.append(path)
    # decoys that must be skipped inside directories
    decoys = {
        "README.txt": b"not an audit log\n",
        "baseline.json": b"{\"type\":\"run.state\",\"state\":\"start\",\"run_id\":\"decoy\"}\n",
        # a text log: no JSON object within the first 5 lines that are sniffed
        "daemon/logs/notes.log": b"plain text first line\n" * 5 + b"{\"type\":\"heartbeat\"}\n",
        "daemon/logs/old.jsonl.bak": b"{\"type\":\"heartbeat\"}\n",
        "gateway/.cache": b"{\"type\":\"heartbeat\"}\n",
    }
    for rel, blob in decoys.items():
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(blob)
    return logs


def write_clean(out, megabytes, seed, files=8):
    """One spelling, flat folder, about `megabytes` MB in `files` files."""
    rng = random.Random(seed)
    w = Writer(rng, clean=True)
    os.makedirs(out, exist_ok=True)
    target = megabytes * 1_000_000
    handles = [open(os.path.join(out, "audit-%03d.jsonl" % i), "wb") for i in range(files)]
    written, batch = 0, 0
    while written < target:
        events = generate_events(random.Random(seed * 1_000_003 + batch), 2000, clean=True)
        for i, ev in enumerate(events):
            ev_run = ev.get("run_id")
            if ev_run:  # keep run ids unique across batches
                ev["run_id"] = "%s-b%d" % (ev_run, batch)
            line = (w.render(ev) + "\n").encode()
            handles[i * files // len(events)].write(line)
            written += len(line)
        batch += 1
    for h in handles:
        h.close()
    return written


# ---------------------------------------------------------------- the oracle

def present(v):
    return v is not None and v != ""


def first(o, *keys):
    for k in keys:
        if k in o and present(o[k]):
            return o[k]
    return None


def field(o, *keys):
    v = first(o, *keys)
    if v is None and isinstance(o.get("payload"), dict):
        v = first(o["payload"], *keys)
    return v


def to_ms(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        try:
            s = v.replace("z", "Z").replace("t", "T")
            if s.endswith("Z"):
                s = s[:-1] + "+00:00"
            if len(s) < 25 or s[10] != "T":
                return None
            d = dt.datetime.fromisoformat(s)
            if d.tzinfo is None:
                return None
            epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
            delta = d - epoch
            return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
        except ValueError:
            return None
    return None


def non_negative(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        try:
            v = float(v.strip())
        except ValueError:
            return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if isinstance(v, float):
            if not math.isfinite(v):
                return None
            v = math.floor(v + 0.5)  # nearest, half up (inputs here are never negative halves)
        return int(v) if v >= 0 else None
    return None


def hdr_stats(values):
    if not values:
        return {"count": 0}
    v = sorted(values)
    n = len(v)

    def pct(p):
        return v[max(1, math.ceil(p * n / 100)) - 1]
    return {"count": n, "min": v[0], "max": v[-1], "mean": sum(v) / n,
            "p50": pct(50), "p95": pct(95), "p99": pct(99)}


def rate(a, b):
    return a / b if b else None


def expected(logs):
    files = 0
    nbytes = 0
    malformed = 0
    valid = []
    for path in logs:
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        files += 1
        nbytes += len(data)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        for raw in data.split(b"\n"):
            if raw.strip() == b"":
                continue
            try:
                o = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                malformed += 1
                continue
            if not isinstance(o, dict) or not isinstance(first(o, "type", "event"), str):
                malformed += 1
                continue
            valid.append(o)

    types, times, untimed = {}, [], 0
    runs = {}
    cancels = []
    matches, skips = [], []
    for o in valid:
        t = first(o, "type", "event")
        types[t] = types.get(t, 0) + 1
        ts = to_ms(first(o, "ts", "timestamp", "time"))
        if ts is None:
            untimed += 1
        else:
            times.append(ts)
        if t == "run.state":
            rid = first(o, "run_id", "runId")
            st = field(o, "state")
            canon = {s: c for c, ss in STATE_SPELLINGS.items() for s in ss}.get(st)
            if isinstance(rid, str) and canon:
                runs.setdefault(rid, []).append((ts, canon, o))
        elif t == "run.cancel":
            cancels.append((o, ts))
        elif t == "reaction.match":
            matches.append(o)
        elif t == "reaction.skip":
            skips.append(o)

    def order(ts):  # untimed sorts after every timed event
        return (1, 0) if ts is None else (0, ts)

    resolved = {}
    for rid, evs in runs.items():
        attrs = {}
        for key, names in (("channel", ("channel",)), ("session", ("session_id", "sessionId")),
                           ("backend", ("backend",)), ("origin", ("origin",))):
            cands = [(order(ts), v) for ts, _, o in evs
                     for v in [first(o, *names)] if isinstance(v, str)]
            attrs[key] = min(cands)[1] if cands else None
        starts = [order(ts) for ts, s, _ in evs if s == "start"]
        terms = sorted((order(ts), s) for ts, s, _ in evs if s in ("complete", "cancelled", "error"))
        outcome = {"complete": "completed", "cancelled": "cancelled", "error": "errored"}[terms[0][1]] if terms else "open"
        duration = None
        if starts and terms and min(starts)[0] == 0 and terms[0][0][0] == 0:
            d = terms[0][0][1] - min(starts)[1]
            duration = d if d >= 0 else None
        ch = attrs["channel"]
        origin = attrs["origin"] or ("gateway" if ch == "gateway" else "channel" if ch else "unknown")
        resolved[rid] = {"channel": ch or "unknown", "session": attrs["session"] or "unknown",
                         "backend": attrs["backend"] or "unknown", "origin": origin,
                         "outcome": outcome, "duration": duration,
                         "cancel_requested": any(s == "cancel_requested" for _, s, _ in evs)}

    def run_slice(rs):
        c = {k: sum(1 for r in rs if r["outcome"] == k) for k in ("completed", "cancelled", "errored", "open")}
        term = c["completed"] + c["cancelled"] + c["errored"]
        return {"runs": len(rs), **c, "cancel_requested": sum(r["cancel_requested"] for r in rs),
                "completion_rate": rate(c["completed"], term), "cancel_rate": rate(c["cancelled"], term),
                "error_rate": rate(c["errored"], term),
                "duration_ms": hdr_stats([r["duration"] for r in rs if r["duration"] is not None])}

    def group(items, key):
        out = {}
        for it in items:
            out.setdefault(key(it), []).append(it)
        return out

    allruns = list(resolved.values())
    runs_out = {"total": run_slice(allruns)}
    for name, key in (("by_channel", "channel"), ("by_backend", "backend"),
                      ("by_origin", "origin"), ("by_session", "session")):
        runs_out[name] = {k: run_slice(v) for k, v in group(allruns, lambda r: r[key]).items()}

    cl = []
    for o, ts in cancels:
        ack = field(o, "acknowledged")
        ack_ms = None if isinstance(ack, bool) or ack is None else to_ms(ack)
        acked = ack is True or ack_ms is not None
        lat = non_negative(field(o, "latency_ms", "latencyMs"))
        req = to_ms(field(o, "requested"))
        if lat is None and ack_ms is not None and req is not None and ack_ms - req >= 0:
            lat = ack_ms - req
        ch = first(o, "channel")
        if not isinstance(ch, str):
            rid = first(o, "run_id", "runId")
            ch = resolved[rid]["channel"] if isinstance(rid, str) and rid in resolved else "unknown"
        src = field(o, "source")
        cl.append({"acked": acked, "lat": lat, "channel": ch,
                   "source": src if isinstance(src, str) else "unknown"})

    def cancel_slice(cs):
        acked = sum(c["acked"] for c in cs)
        return {"count": len(cs), "acknowledged": acked, "unacknowledged": len(cs) - acked,
                "latency_ms": hdr_stats([c["lat"] for c in cs if c["lat"] is not None])}

    cancels_out = {"total": cancel_slice(cl),
                   "by_source": {k: cancel_slice(v) for k, v in group(cl, lambda c: c["source"]).items()},
                   "by_channel": {k: cancel_slice(v) for k, v in group(cl, lambda c: c["channel"]).items()}}

    def s_or_unknown(v):
        return v if isinstance(v, str) else "unknown"

    by_channel = {}
    for o in matches:
        by_channel.setdefault(s_or_unknown(first(o, "channel")), [0, 0])[0] += 1
    for o in skips:
        by_channel.setdefault(s_or_unknown(first(o, "channel")), [0, 0])[1] += 1
    reasons = {}
    for o in skips:
        r = s_or_unknown(field(o, "reason"))
        reasons[r] = reasons.get(r, 0) + 1
    rules = {}
    for o in matches:
        r = s_or_unknown(field(o, "rule_name", "ruleName"))
        rules[r] = rules.get(r, 0) + 1
    cand = sum(non_negative(field(o, "candidate_count", "candidateCount")) or 0 for o in skips)
    reactions_out = {
        "total": {"matched": len(matches), "skipped": len(skips), "candidate_count_sum": cand,
                  "match_rate": rate(len(matches), len(matches) + len(skips))},
        "by_channel": {k: {"matched": m, "skipped": s, "match_rate": rate(m, m + s)}
                       for k, (m, s) in by_channel.items()},
        "by_rule": rules,
        "skip_reasons": [{"reason": r, "count": c}
                         for r, c in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))],
    }

    def fmt(ms):
        d = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)

    return {
        "schema_version": 1,
        "inputs": {"files": files, "bytes": nbytes, "events": len(valid),
                   "malformed_lines": malformed, "untimed_events": untimed},
        "window": {"first_ts": fmt(min(times)) if times else None,
                   "last_ts": fmt(max(times)) if times else None},
        "event_types": types,
        "runs": runs_out,
        "cancels": cancels_out,
        "reactions": reactions_out,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output directory (created)")
    kind = ap.add_mutually_exclusive_group(required=True)
    kind.add_argument("--messy", action="store_true", help="every spelling, nested, compressed, corrupt lines")
    kind.add_argument("--clean", action="store_true", help="one spelling, flat folder (benchmarks)")
    ap.add_argument("--runs", type=int, default=2000, help="runs in a --messy corpus")
    ap.add_argument("--megabytes", type=int, default=100, help="size of a --clean corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--error-boost", action="append", default=[], metavar="CHANNEL:FACTOR",
                    help="multiply the error share of runs on CHANNEL (e.g. telegram:1.3), to plant a regression")
    ap.add_argument("--expected", help="where to write the expected figures (--messy; default OUT.expected.json)")
    a = ap.parse_args()
    for spec in a.error_boost:
        ch, factor = spec.split(":")
        ERROR_BOOST[ch] = float(factor)
    if a.messy:
        logs = write_messy(a.out, a.runs, a.seed)
        exp = expected(logs)
        path = a.expected or a.out.rstrip("/") + ".expected.json"
        with open(path, "w") as f:
            json.dump(exp, f, indent=1, sort_keys=True)
            f.write("\n")
        print("wrote %d log files under %s and %s" % (len(logs), a.out, path), file=sys.stderr)
    else:
        n = write_clean(a.out, a.megabytes, a.seed)
        print("wrote %d bytes under %s" % (n, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
