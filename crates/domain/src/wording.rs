//! Sentences for people: a number with its words in the right number, so
//! that no message says "1 tickets" or "1 names".

use std::fmt::Display;

/// `n` followed by `one` when it is 1 and by `many` otherwise:
/// `count(1, "ticket", "tickets")` is "1 ticket", `count(2, "ticket is",
/// "tickets are")` is "2 tickets are".
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: Display + PartialEq + From<u8>,
{
    let words = if n == N::from(1) { one } else { many };
    format!("{n} {words}")
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(count(1_u32, "ticket", "tickets"), "1 ticket");
        assert_eq!(count(0_u32, "ticket", "tickets"), "0 tickets");
        assert_eq!(count(2_usize, "name", "names"), "2 names");
        assert_eq!(count(1_u64, "ticket is", "tickets are"), "1 ticket is");
        assert_eq!(count(11_i64, "person is", "people are"), "11 people are");
    }
}
