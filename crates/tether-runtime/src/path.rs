//! Path parameters percent-encoded straight into the URL being formatted.
//!
//! progenitor writes a path parameter as `encode_path(&value.to_string())`: the value is
//! formatted into one `String`, then encoded into a second, then copied into the URL.
//! The generated `send_direct` writes [`Segment`] instead, which encodes the value's
//! `Display` output as it is written into the URL: the same bytes, two allocations fewer
//! per path parameter (BENCHMARKS.md § Runtime). progenitor-client does not expose its
//! encode set, hence the copy below; a test holds the two to the same output.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// progenitor-client 0.15's `PATH_SET`: what `encode_path` escapes in a path segment.
const PATH_SET: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%')
    .add(b'/');

/// A path parameter as written into the URL: `format!("{}", Segment(&v))` is
/// `progenitor_client::encode_path(&v.to_string())`.
pub struct Segment<'a, T: ?Sized>(pub &'a T);

/// `value.path_segment()`: a [`Segment`] found the way `value.to_string()` finds its
/// `Display` (through `Deref` for typify's constrained-string newtypes, which do not
/// implement `Display` themselves).
pub trait PathSegment: fmt::Display {
    /// This value as a path segment.
    fn path_segment(&self) -> Segment<'_, Self> {
        Segment(self)
    }
}

impl<T: fmt::Display + ?Sized> PathSegment for T {}

impl<T: fmt::Display + ?Sized> fmt::Display for Segment<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Encodes each piece of the value's output as it is written.
        struct Encode<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Encode<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                // The set is ASCII, so each byte's encoding stands alone: pieces split
                // anywhere the value's `Display` chooses encode as the whole would.
                fmt::Display::fmt(&utf8_percent_encode(s, PATH_SET), self.0)
            }
        }
        fmt::write(&mut Encode(f), format_args!("{}", self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use progenitor_client::encode_path;
    use proptest::prelude::*;

    /// A value whose `Display` writes in several pieces, one of them escaped.
    struct Pieces;
    impl fmt::Display for Pieces {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a b")?;
            f.write_str("/")?;
            write!(f, "{}?é", 7)
        }
    }

    #[test]
    fn escapes_what_progenitor_escapes_and_nothing_else() {
        assert_eq!(
            Segment("a b/c?d#e%f{g}`h<i>\"j").to_string(),
            "a%20b%2Fc%3Fd%23e%25f%7Bg%7D%60h%3Ci%3E%22j"
        );
        assert_eq!(
            Segment("Hello-World_1.2~x").to_string(),
            "Hello-World_1.2~x"
        );
        assert_eq!(Segment("café").to_string(), "caf%C3%A9");
        assert_eq!(
            Segment(&Pieces).to_string(),
            encode_path(&Pieces.to_string())
        );
        assert_eq!(Segment(&-42i64).to_string(), "-42");
    }

    /// typify's newtype for a constrained string derefs to `String` and has no
    /// `Display`: `path_segment()` reaches the string, as `to_string()` does.
    #[test]
    fn a_newtype_that_derefs_to_a_string_is_written_as_its_string() {
        struct CustomerId(String);
        impl std::ops::Deref for CustomerId {
            type Target = String;
            fn deref(&self) -> &String {
                &self.0
            }
        }
        let id = CustomerId("cus 1/2".to_owned());
        assert_eq!(id.path_segment().to_string(), encode_path(&id.to_string()));
        assert_eq!(id.path_segment().to_string(), "cus%201%2F2");
    }

    proptest! {
        #[test]
        fn writes_what_encode_path_writes(value in any::<String>()) {
            prop_assert_eq!(Segment(&value).to_string(), encode_path(&value));
            prop_assert_eq!(
                format!("{}/repos/{}/{}", "http://h", Segment(&value), Segment(&7u32)),
                format!("{}/repos/{}/{}", "http://h", encode_path(&value), encode_path("7"))
            );
        }
    }
}
