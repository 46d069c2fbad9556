//! Reading response enums tolerantly.
//!
//! Providers add enum values without notice (GitHub's `author_association` and
//! `state_reason`, Stripe's event types). A closed Rust enum would make the whole typed
//! decode fail on such a value, so one new value would break every call that returns it.
//! The generated enums of response types carry an `Unknown(String)` variant instead (the
//! AWS SDK's smithy-rs generates the same for the same reason), decoded here: a value the
//! contract lists becomes its variant, anything else `Unknown` with the text kept, so
//! `Display` and serialization give back exactly what the provider sent. Validation still
//! reports the value as drift (`enum`), and the sentinel as `enum_value_added`.

use std::fmt;
use std::marker::PhantomData;

/// Deserialize a string into `T` with `from_wire` (which never fails: unknown text
/// becomes `T`'s unknown variant). Anything but a string is an error, as for a closed enum.
pub fn deserialize<'de, D, T>(deserializer: D, from_wire: fn(&str) -> T) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Visitor<T> {
        from_wire: fn(&str) -> T,
        marker: PhantomData<T>,
    }
    impl<T> serde::de::Visitor<'_> for Visitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.from_wire)(value))
        }
    }
    deserializer.deserialize_str(Visitor {
        from_wire,
        marker: PhantomData,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum State {
        Open,
        Unknown(String),
    }

    fn from_wire(value: &str) -> State {
        match value {
            "open" => State::Open,
            other => State::Unknown(other.to_owned()),
        }
    }

    fn read(json: &str) -> Result<State, serde_json::Error> {
        deserialize(&mut serde_json::Deserializer::from_str(json), from_wire)
    }

    #[test]
    fn listed_unlisted_and_escaped_values() {
        assert_eq!(read(r#""open""#).unwrap(), State::Open);
        assert_eq!(
            read(r#""archived""#).unwrap(),
            State::Unknown("archived".into())
        );
        // An escaped string is decoded before it is compared.
        assert_eq!(read(r#""op\u0065n""#).unwrap(), State::Open);
        assert_eq!(read(r#""""#).unwrap(), State::Unknown(String::new()));
    }

    #[test]
    fn a_value_that_is_not_a_string_is_still_an_error() {
        for bad in ["3", "null", "true", "{}", "[]"] {
            let err = read(bad).unwrap_err().to_string();
            assert!(err.contains("expected a string"), "{bad}: {err}");
        }
    }
}
