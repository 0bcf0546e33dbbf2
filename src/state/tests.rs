use super::*;
use crate::event::parse_line;

fn state_of(lines: &[&str], file: &str) -> State {
    state_capped(lines, file, 1000)
}

fn state_capped(lines: &[&str], file: &str, max_keys: usize) -> State {
    let mut p = Partial::for_state(max_keys);
    for l in lines {
        match parse_line(l.as_bytes()) {
            Ok(ev) => p.record(&ev, &crate::select::Selection::default()),
            Err(why) => p.malformed(
                crate::aggregate::LinePos {
                    file: 0,
                    part: 0,
                    line: 1,
                },
                why,
                l.as_bytes(),
            ),
        }
    }
    p.files = 1;
    p.part_lines.push((0, 0, lines.len() as u64));
    State::new(Options::new(max_keys, 1 << 20), vec![file.to_string()], &p)
}

const LINES: [&str; 6] = [
    r#"{"type":"run.state","run_id":"r1","state":"start","ts":1000,"channel":"slack","session_id":"s"}"#,
    r#"{"type":"run.state","run_id":"r1","state":"complete","ts":5000}"#,
    r#"{"type":"run.cancel","run_id":"r1","ts":2000,"latency_ms":40,"acknowledged":true}"#,
    r#"{"type":"reaction.skip","channel":"slack","reason":"cooldown","candidate_count":3,"ts":7}"#,
    r#"{"type":"reaction.match","rule_name":"hi","ts":8}"#,
    r#"not json"#,
];

#[test]
fn round_trip_keeps_every_figure() {
    let s = state_of(&LINES, "a.jsonl");
    let bytes = s.encode();
    assert_eq!(&bytes[..8], MAGIC);
    let back = State::decode(&bytes, "a.state").unwrap();
    assert_eq!(back.encode(), bytes, "decode then encode is the identity");
    let sel = crate::select::Selection::default();
    let names = ["a.jsonl".to_string()];
    assert_eq!(
        s.into_partial().finalize(&names, &sel),
        back.into_partial().finalize(&names, &sel)
    );
}

#[test]
fn refusals_name_the_file() {
    let s = state_of(&LINES, "a.jsonl");
    let bytes = s.encode();
    let err = |b: &[u8]| State::decode(b, "x.state").unwrap_err().to_string();
    assert!(err(b"hello").contains("not an auditsum state"));
    let mut next = bytes.clone();
    next[8..12].copy_from_slice(&(super::VERSION + 1).to_le_bytes());
    assert!(err(&next).contains(&format!("version {}", super::VERSION + 1)));
    for cut in [9, 12, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(err(&bytes[..cut]).starts_with("x.state: corrupt"), "{cut}");
    }
    let mut flipped = bytes.clone();
    let n = flipped.len();
    flipped[n - 6] ^= 0x40;
    assert!(err(&flipped).contains("corrupt"));

    let mut other = state_of(&LINES, "b.jsonl");
    other.options.max_keys = 10;
    let e = merge(vec![("a".into(), s.clone()), ("b".into(), other)]).unwrap_err();
    assert!(e.to_string().contains("b: made with --max-keys 10"), "{e}");
    let e = merge(vec![("a".into(), s.clone()), ("c".into(), s)]).unwrap_err();
    assert!(e.to_string().contains("also counts `a.jsonl`"), "{e}");
}

#[test]
fn identical_inputs_give_identical_bytes() {
    let a = state_of(&LINES, "a.jsonl");
    let mut rev = LINES;
    rev.reverse();
    let b = state_of(&rev, "a.jsonl");
    assert_eq!(a.encode(), b.encode());
}

/// Past `--max-keys`, values fold into `(other)` when states merge: ids
/// stop mapping in order, keys collide, and the sorted tables are re-sorted
/// and added up. Totals stay exact; the merged state reads back.
#[test]
fn merging_past_the_key_cap_keeps_totals() {
    let lines = |ch: &[&str], file: &str| {
        let v: Vec<String> = ch
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                [
                    format!(r#"{{"type":"run.state","run_id":"{file}{i}","state":"start","ts":60000,"channel":"{c}","session_id":"s{c}"}}"#),
                    format!(r#"{{"type":"run.cancel","run_id":"{file}{i}","ts":60001,"channel":"{c}","source":"{c}","latency_ms":{i}}}"#),
                    format!(r#"{{"type":"reaction.skip","channel":"{c}","reason":"r{c}","candidate_count":2,"ts":60002}}"#),
                ]
            })
            .collect();
        v
    };
    let a = lines(&["c", "a"], "a");
    let b = lines(&["d", "b", "a"], "b");
    fn refs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let sa = state_capped(&refs(&a), "a.jsonl", 2);
    let sb = state_capped(&refs(&b), "b.jsonl", 2);
    for (x, y) in [(sa.clone(), sb.clone()), (sb, sa)] {
        let m = merge(vec![("x".into(), x), ("y".into(), y)]).unwrap();
        let back = State::decode(&m.encode(), "m.state").unwrap();
        assert_eq!(back.encode(), m.encode());
        let names = back.files.clone();
        let b = back
            .into_partial()
            .finalize(&names, &crate::select::Selection::default());
        assert_eq!(b.runs.total.runs, 5);
        assert_eq!(b.cancels.total.count, 5);
        assert_eq!(b.reactions.total.skipped, 5);
        assert_eq!(b.event_types.values().sum::<u64>(), 15);
        assert!(b.inputs.overflowed_keys > 0);
    }
}

/// A run's events in two states: each state keeps one beside the run, the
/// merge keeps the least and counts the other in its group, so the merged
/// state is the state of both files read as one (same bytes).
#[test]
fn a_run_split_over_states_keeps_one_own_event() {
    let a = [
        r#"{"type":"run.state","run_id":"r1","state":"complete","ts":120500,"channel":"slack","session_id":"s2"}"#,
        r#"{"type":"run.state","run_id":"r2","state":"start","ts":61000}"#,
    ];
    let b = [
        r#"{"type":"run.state","run_id":"r1","state":"start","ts":60000,"channel":"slack","session_id":"s1"}"#,
        r#"{"type":"run.state","run_id":"r1","state":"start","ts":60000,"channel":"discord","session_id":"s1"}"#,
    ];
    let both: Vec<&str> = b.iter().chain(&a).copied().collect();
    let one = state_of(&both, "x.jsonl");
    let own: Vec<_> = one.tables.runs.iter().filter(|r| r.2.is_some()).collect();
    assert_eq!(own.len(), 2, "one own event per run");
    assert_eq!(one.tables.groups.len(), 2, "the other two events in groups");
    let sa = state_of(&a, "x.jsonl");
    let sb = state_of(&b, "y.jsonl");
    for (x, y) in [(sa.clone(), sb.clone()), (sb.clone(), sa.clone())] {
        let m = merge(vec![("x".into(), x), ("y".into(), y)]).unwrap();
        let back = State::decode(&m.encode(), "m.state").unwrap();
        assert_eq!(back.tables.runs, m.tables.runs);
        assert_eq!(back.tables.groups, one.tables.groups);
        assert_eq!(
            back.tables.runs.iter().map(|r| r.2).collect::<Vec<_>>(),
            one.tables.runs.iter().map(|r| r.2).collect::<Vec<_>>()
        );
        let names = back.files.clone();
        let got = back
            .into_partial()
            .finalize(&names, &crate::select::Selection::default());
        assert_eq!(got.event_types.values().sum::<u64>(), 4);
    }
}
