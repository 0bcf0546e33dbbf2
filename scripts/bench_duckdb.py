#!/usr/bin/env python3
"""The baseline a DuckDB user would write over read_ndjson, for scripts/bench.sh.

Computes on a clean corpus (one spelling): event-type counts, per-channel run
outcomes (earliest terminal per run), cancel latency quantiles by source, and
skip reasons. Prints a one-line JSON summary so bench.sh can sanity-check it
against auditsum.

    bench_duckdb.py DIR THREADS
"""
import json
import sys

import duckdb

folder, threads = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute(f"""
CREATE TEMP TABLE ev AS
SELECT * FROM read_ndjson('{folder}/*.jsonl', columns = {{
  'ts': 'VARCHAR', 'type': 'VARCHAR', 'session_id': 'VARCHAR', 'run_id': 'VARCHAR',
  'channel': 'VARCHAR', 'backend': 'VARCHAR', 'origin': 'VARCHAR', 'state': 'VARCHAR',
  'source': 'VARCHAR', 'acknowledged': 'BOOLEAN', 'latency_ms': 'BIGINT',
  'reason': 'VARCHAR', 'rule_name': 'VARCHAR', 'candidate_count': 'BIGINT'}},
  ignore_errors = true)
""")
types = con.execute("SELECT type, count(*) FROM ev GROUP BY type ORDER BY type").fetchall()
runs = con.execute("""
WITH rs AS (
  SELECT run_id, CAST(ts AS TIMESTAMPTZ) AS t, state, channel FROM ev
  WHERE type = 'run.state' AND run_id IS NOT NULL),
per_run AS (
  SELECT run_id,
         arg_min(channel, t) FILTER (WHERE channel IS NOT NULL) AS channel,
         arg_min(state, t) FILTER (WHERE state IN ('complete', 'cancelled', 'error')) AS outcome,
         min(t) FILTER (WHERE state = 'start') AS started
  FROM rs GROUP BY run_id)
SELECT coalesce(channel, 'unknown') AS channel, count(*) AS runs,
       count(*) FILTER (WHERE outcome = 'complete') AS completed,
       count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE outcome = 'error') AS errored,
       count(*) FILTER (WHERE outcome IS NULL) AS open
FROM per_run GROUP BY 1 ORDER BY 1
""").fetchall()
cancels = con.execute("""
SELECT coalesce(source, 'unknown'), count(*),
       quantile_disc(latency_ms, [0.5, 0.95, 0.99]) FILTER (WHERE latency_ms >= 0)
FROM ev WHERE type = 'run.cancel' GROUP BY 1 ORDER BY 1
""").fetchall()
skips = con.execute("""
SELECT coalesce(reason, 'unknown') AS reason, count(*) AS n FROM ev
WHERE type = 'reaction.skip' GROUP BY 1 ORDER BY n DESC, reason
""").fetchall()
print(json.dumps({
    "events": sum(n for _, n in types),
    "runs": sum(r[1] for r in runs),
    "completed": sum(r[2] for r in runs),
    "cancels": sum(c[1] for c in cancels),
    "skip_reasons": len(skips),
}))
