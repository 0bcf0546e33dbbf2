//! `--include`'s matcher (auditsum's src/input/glob.rs) agrees with globset
//! (default options: `*` crosses `/`, backslash escapes) on the syntax both
//! read the same way. The two documented differences (src/input/glob.rs): a
//! pattern ending in `**/`, which globset matches against everything, is left
//! out; an empty alternative (`{,x}`) is not generated.

use auditsum::input::glob::GlobSet;
use proptest::prelude::*;

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ab./-]".prop_map(|s| s),
        2 => Just("*".to_string()),
        1 => Just("**".to_string()),
        2 => Just("?".to_string()),
        1 => "[ab.][ab.-]?".prop_map(|s| format!("[{s}]")),
        1 => "[ab]".prop_map(|s| format!("[!{s}]")),
        1 => Just("[a-c]".to_string()),
        1 => Just("\\*".to_string()),
        1 => "[ab]{1,2}".prop_map(|s| format!("{{{s},b.}}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn same_answers_as_globset(
        pattern in proptest::collection::vec(piece(), 0..7).prop_map(|v| v.concat()),
        name in "[abc./*-]{0,12}",
    ) {
        prop_assume!(!pattern.ends_with("**/"));
        let ours = GlobSet::new(std::slice::from_ref(&pattern)).unwrap();
        let theirs = globset::Glob::new(&pattern).unwrap().compile_matcher();
        prop_assert_eq!(ours.is_match(&name), theirs.is_match(&name),
            "pattern {:?} name {:?}", pattern, name);
    }
}

/// The oracle itself is not vacuous: the two agree on matches as well as on
/// misses for patterns of every kind above.
#[test]
fn both_match_the_same_sample_names() {
    for (pattern, name) in [
        ("**/*.log", "a/b/c.log"),
        ("**/*.log", "c.log"),
        ("a[!b]c", "a.c"),
        ("{ab,b.}x", "b.x"),
        ("\\*", "*"),
        ("[a-c]?", "b/"),
    ] {
        let ours = GlobSet::new(&[pattern.to_string()]).unwrap();
        let theirs = globset::Glob::new(pattern).unwrap().compile_matcher();
        assert!(ours.is_match(name), "{pattern} {name}");
        assert!(theirs.is_match(name), "{pattern} {name}");
    }
}
