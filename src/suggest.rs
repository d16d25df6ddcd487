//! "Did you mean …?": the known names nearest to a misspelt one, by edit distance.
//!
//! Used where a name is not found (an unknown function at parse time, an unknown variable at
//! evaluation). It only ranks candidates the caller gives; it knows no names itself.

/// Levenshtein distance, in characters, with a transposition of two neighbours counting one
/// (`factorail` is one edit from `factorial`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two rows back (for transpositions), the previous, the current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 0..a.len() {
        let mut current = vec![i + 1; b.len() + 1];
        for j in 0..b.len() {
            let substitution = previous[j] + usize::from(a[i] != b[j]);
            let mut best = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

/// The candidates nearest to `name`, in the order given: those at the smallest edit distance,
/// if it is small for the name's length (1 for up to 4 characters, then 1 more per 4), else
/// those `name` is the start of (at least 3 characters typed), else none. At most 3.
pub(crate) fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let length = name.chars().count();
    let threshold = 1 + length.saturating_sub(1) / 4;
    let mut best = usize::MAX;
    let mut near: Vec<&'a str> = Vec::new();
    let mut prefixed: Vec<&'a str> = Vec::new();
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        if length >= 3 && candidate.starts_with(name) && !prefixed.contains(&candidate) {
            prefixed.push(candidate);
        }
        let distance = edit_distance(name, candidate);
        if distance > threshold || distance > best {
            continue;
        }
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
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("sine", "sin"), 1);
        assert_eq!(edit_distance("factorail", "factorial"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
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
}
