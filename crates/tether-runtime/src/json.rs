//! Reading a response body into a generated type.
//!
//! `serde_json::from_slice` (what progenitor's `ResponseValue::from_response` and
//! reqwest's `json()` use) checks UTF-8 once per string it reads; a GitHub repository
//! has a few hundred of them, so those checks were a sizeable share of the parse
//! (BENCHMARKS.md § Runtime, the decode guard). [`from_body`] checks the whole
//! body once, which is a fraction of a microsecond on ASCII-heavy JSON, and reads it
//! with `serde_json::from_str`, which then skips the per-string checks (the contract
//! validator's fast path reads bodies the same way, `tether_contract::validate`).
//!
//! The answer is `from_slice`'s in every case: a body that is not UTF-8 throughout is
//! read by `from_slice` itself, so it fails (or, when the bad bytes sit in a field the
//! type ignores, succeeds) exactly as before, with the same message and position.

use serde::de::DeserializeOwned;

/// `serde_json::from_slice::<T>(body)`, with one UTF-8 check for the whole body instead
/// of one per string.
#[inline]
pub fn from_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        // Not UTF-8 throughout: `from_slice` gives its own verdict, position included
        // (bytes inside a skipped field are allowed there).
        Err(_) => serde_json::from_slice(body),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Deserialize;

    use super::from_body;

    /// A typed body: read strings, a nested value, an optional field; unknown fields are
    /// skipped, as in the generated types.
    #[derive(Debug, Deserialize, PartialEq)]
    struct Repo {
        name: String,
        owner: Owner,
        topics: Vec<String>,
        homepage: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Owner {
        login: String,
        id: i64,
    }

    const GOOD: &[u8] = b"{\"name\":\"Hello-World\",\"owner\":{\"login\":\"octocat\",\"id\":1},\"topics\":[\"a\",\"\\u00e9t\\u00e9\",\"caf\xc3\xa9\"],\"homepage\":null,\"extra\":\"ignored\"}";

    /// Both readings, as comparable text: the value or the error's message (which
    /// carries its line and column).
    fn both(body: &[u8]) -> (String, String) {
        let ours = from_body::<Repo>(body).map_err(|e| e.to_string());
        let reference = serde_json::from_slice::<Repo>(body).map_err(|e| e.to_string());
        (format!("{ours:?}"), format!("{reference:?}"))
    }

    #[test]
    fn a_well_formed_body_reads_as_from_slice_reads_it() {
        let repo = from_body::<Repo>(GOOD).unwrap();
        assert_eq!(repo.name, "Hello-World");
        assert_eq!(repo.topics, ["a", "été", "café"]);
        assert_eq!(
            repo.owner,
            Owner {
                login: "octocat".into(),
                id: 1
            }
        );
        let (ours, reference) = both(GOOD);
        assert_eq!(ours, reference);
    }

    #[test]
    fn invalid_utf8_in_a_field_the_type_reads_fails_with_from_slices_error_and_position() {
        let body = b"{\"name\":\"Hello-World\",\"owner\":{\"login\":\"octo\xffcat\",\"id\":1},\"topics\":[],\"homepage\":null}";
        let error = from_body::<Repo>(body).unwrap_err().to_string();
        assert!(error.contains("invalid unicode code point"), "{error}");
        assert!(error.contains("line 1 column"), "{error}");
        let (ours, reference) = both(body);
        assert_eq!(ours, reference);
    }

    #[test]
    fn invalid_utf8_in_a_field_the_type_skips_is_accepted_as_from_slice_accepts_it() {
        let body = b"{\"name\":\"n\",\"owner\":{\"login\":\"o\",\"id\":2},\"topics\":[],\"homepage\":\"h\",\"extra\":\"\xfe\xff\"}";
        let repo = from_body::<Repo>(body).unwrap();
        assert_eq!(repo.homepage.as_deref(), Some("h"));
        let (ours, reference) = both(body);
        assert_eq!(ours, reference);
    }

    #[test]
    fn malformed_and_truncated_bodies_fail_as_from_slice_fails() {
        for body in [
            &b""[..],
            b"{",
            br#"{"name":"x","owner":{"login":"o","id":"#,
            br#"{"name":1}"#,
            b"<html>",
            b"\xef\xbb\xbf{}",
        ] {
            let (ours, reference) = both(body);
            assert!(ours.starts_with("Err"), "{ours}");
            assert_eq!(ours, reference, "{:?}", String::from_utf8_lossy(body));
        }
    }

    proptest! {
        /// Any body, including GOOD with bytes overwritten (invalid UTF-8, broken
        /// syntax, inside read and skipped fields alike): the same value or the same
        /// error as `from_slice`.
        #[test]
        fn any_body_reads_exactly_as_from_slice_reads_it(
            edits in proptest::collection::vec((0..GOOD.len(), any::<u8>()), 0..4),
            noise in proptest::collection::vec(any::<u8>(), 0..64),
            whole_noise in any::<bool>(),
        ) {
            let body = if whole_noise {
                noise
            } else {
                let mut body = GOOD.to_vec();
                for (at, byte) in edits {
                    body[at] = byte;
                }
                body
            };
            let (ours, reference) = both(&body);
            prop_assert_eq!(ours, reference);
        }
    }
}
