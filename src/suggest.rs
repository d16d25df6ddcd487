//! "Did you mean …?": the known names nearest to a misspelt one, by edit distance.
//!
//! Used where a name is not found (an unknown function at parse time, an unknown variable at
//! evaluation, an unknown `:command` in the REPL). It only ranks candidates the caller gives;
//! it knows no names itself. The distance is `strsim`'s optimal string alignment: Levenshtein's,
//! with a transposition of two neighbours counting one (`factorail` is one edit from
//! `factorial`); it is the crate's only edit distance.
//!
//! The work is bounded whatever the input: measuring costs the product of the two lengths, so a
//! candidate whose length alone is further from the name's than any suggestion may be is
//! skipped without measuring, names longer than [`MAX_NAME_CHARS`] are not measured at all (as
//! in `CPython`, whose limit this is), and at most [`MAX_MEASURED`] candidates are measured. A
//! suggestion must be plausible: few edits for the length of the two names, as `CPython`
//! decides it (so `x` is not one edit from `e`: a one-letter name keeps nothing of it), and
//! never more than [`MAX_DISTANCE`].

/// Names longer than this, in characters, are not measured: a misspelling of a longer name is
/// not what a suggestion is for, and measuring it would cost the product of the lengths.
const MAX_NAME_CHARS: usize = 40;

/// The most candidates measured for one name (a program may define any number of variables);
/// the ones after them are not considered.
const MAX_MEASURED: usize = 1000;

/// The largest edit distance ever worth suggesting.
const MAX_DISTANCE: usize = 3;

/// The length of `text` in characters when it is at most [`MAX_NAME_CHARS`], counted without
/// reading far into a long text (a character has at most 4 bytes).
fn short_length(text: &str) -> Option<usize> {
    if text.len() > 4 * MAX_NAME_CHARS {
        return None;
    }
    Some(text.chars().count()).filter(|&length| length <= MAX_NAME_CHARS)
}

/// The edit distance between `a` and `b` when it is at most `max`, else `None`; also `None`
/// when either is longer than [`MAX_NAME_CHARS`]. Two texts whose lengths differ by more than
/// `max` are not measured: the distance is at least that difference.
pub(crate) fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a_length, b_length) = (short_length(a)?, short_length(b)?);
    if a_length.abs_diff(b_length) > max {
        return None;
    }
    Some(strsim::osa_distance(a, b)).filter(|&distance| distance <= max)
}

/// The largest distance at which a candidate of `candidate_length` characters is a plausible
/// suggestion for a name of `name_length`: `CPython`'s rule, at most one edit per six characters
/// of the two names and three more, and never more than [`MAX_DISTANCE`]. So `sine` is one edit
/// from `sin` and may be it, while `foo` is two from `pow` and `x` one from `e`, too many.
fn plausible_distance(name_length: usize, candidate_length: usize) -> usize {
    ((name_length + candidate_length + 3) / 6).min(MAX_DISTANCE)
}

/// The candidates nearest to `name`, in the order given: those at the smallest plausible edit
/// distance, else those `name` is the start of (at least 3 characters typed), else none. At
/// most 3.
pub(crate) fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let name_length = short_length(name);
    let typed_three = name.chars().nth(2).is_some();
    let mut best = usize::MAX;
    let mut n_measured = 0;
    let mut near: Vec<&'a str> = Vec::new();
    let mut prefixed: Vec<&'a str> = Vec::new();
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        if typed_three && candidate.starts_with(name) && !prefixed.contains(&candidate) {
            prefixed.push(candidate);
        }
        let (Some(name_length), Some(candidate_length)) = (name_length, short_length(candidate))
        else {
            continue;
        };
        let max = plausible_distance(name_length, candidate_length).min(best);
        if name_length.abs_diff(candidate_length) > max || n_measured >= MAX_MEASURED {
            continue;
        }
        n_measured += 1;
        let Some(distance) = distance_within(name, candidate, max) else {
            continue;
        };
        if distance < best {
            best = distance;
            near.clear();
        }
        if !near.contains(&candidate) {
            near.push(candidate);
        }
    }
    let mut chosen = if near.is_empty() { prefixed } else { near };
    chosen.truncate(3);
    chosen
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance_within("", "abc", 3), Some(3));
        assert_eq!(distance_within("sine", "sin", 3), Some(1));
        assert_eq!(distance_within("factorail", "factorial", 3), Some(1));
        assert_eq!(distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(distance_within("kitten", "sitting", 2), None);
        assert_eq!(distance_within("wokers", "workers", 2), Some(1));
        // Lengths further apart than the bound are not measured.
        assert_eq!(distance_within("a", "abcdef", 4), None);
    }

    #[test]
    fn suggestions() {
        let functions = [
            "sin",
            "sinh",
            "sqrt",
            "isqrt",
            "factorial",
            "floor",
            "log",
            "log2",
        ];
        assert_eq!(nearest("sine", functions), ["sin", "sinh"]);
        assert_eq!(nearest("sqr", functions), ["sqrt"]);
        assert_eq!(nearest("factorail", functions), ["factorial"]);
        assert_eq!(nearest("fact", functions), ["factorial"]);
        assert_eq!(nearest("lg", functions), ["log"]);
        assert!(nearest("zzzzzz", functions).is_empty());
        assert!(nearest("sin", functions).iter().all(|name| *name != "sin"));
    }

    #[test]
    fn a_suggestion_keeps_part_of_the_name() {
        let names = ["_", "e", "pi", "x"];
        assert!(nearest("y", names).is_empty());
        assert!(nearest("x1", ["e", "_"]).is_empty());
        assert_eq!(nearest("pii", names), ["pi"]);
        assert_eq!(nearest("X", ["x", "e"]), Vec::<&str>::new());
        assert_eq!(nearest("pj", names), ["pi"]);
        assert!(nearest("foo", ["pow", "log", "cos"]).is_empty());
    }

    #[test]
    fn long_names_are_not_measured() {
        // Measuring two names of 100,000 characters would cost 10^10 steps; neither is
        // measured, and a name one edit from the other gets no suggestion.
        let long: String = "a".repeat(100_000);
        let misspelt = format!("{}b", &long[1..]);
        assert!(nearest(&misspelt, [long.as_str()]).is_empty());
        assert_eq!(distance_within(&misspelt, &long, MAX_DISTANCE), None);
        // At the limit a name is still measured.
        let longest = "n".repeat(MAX_NAME_CHARS);
        let typo = format!("{}m", &longest[1..]);
        assert_eq!(nearest(&typo, [longest.as_str()]), [longest.as_str()]);
    }

    #[test]
    fn at_most_so_many_candidates_are_measured() {
        let names: Vec<String> = (0..2 * MAX_MEASURED).map(|i| format!("v{i:04}")).collect();
        // Every name is one edit from the next; the last ones are past the measured ones.
        let last = names.last().map(String::as_str).unwrap_or_default();
        let typo = format!("{}x", &last[..last.len() - 1]);
        let found = nearest(&typo, names.iter().map(String::as_str));
        assert!(!found.contains(&last), "{found:?}");
    }
}
