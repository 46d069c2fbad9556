//! [`ValidationError`]: one way a request or response breaks its contract.

use std::fmt;

use serde::Serialize;

/// One way an HTTP exchange breaks the contract.
///
/// Two errors are equal when every field is equal; tests compare `pointer`, `keyword`
/// and `schema_path`, which are stable, and only look into `message`, which is prose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationError {
    /// JSON pointer into the body (`""` for the body itself). For `required` and
    /// `additionalProperties` it names the missing or unexpected property
    /// (`/owner/login`); for a missing required response header it is
    /// `/headers/<name>`.
    pub pointer: String,
    /// The JSON Schema keyword that failed (`required`, `type`, `enum`, `format`,
    /// `additionalProperties`, `oneOf`, `anyOf`, `discriminator`, `maxLength`, …) or
    /// the HTTP-level check: `status`, `content-type`, `header`, `json`, `form`,
    /// `operation`.
    pub keyword: String,
    /// Where the broken rule is written in the contract, as a URI fragment:
    /// `#/components/schemas/simple-user/required`.
    pub schema_path: String,
    /// A sentence for people, starting with the location:
    /// ``/owner/login: required property `login` is missing (schema #/components/schemas/simple-user/required)``.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValidationError {}

impl ValidationError {
    /// An error whose message is `<where>: <what> (schema <schema_path>)`.
    pub(crate) fn new(
        pointer: impl Into<String>,
        keyword: &str,
        schema_path: impl Into<String>,
        what: impl fmt::Display,
    ) -> Self {
        let pointer = pointer.into();
        let schema_path = schema_path.into();
        let message = format!(
            "{}: {what} (schema {schema_path})",
            display_pointer(&pointer)
        );
        Self {
            pointer,
            keyword: keyword.to_owned(),
            schema_path,
            message,
        }
    }
}

/// `body` for the root pointer, the pointer otherwise.
pub(crate) fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "body"
    } else {
        pointer
    }
}

/// A JSON value for a message, cut to about 80 characters.
pub(crate) fn short_value(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.len() <= 80 {
        return text;
    }
    let mut end = 77;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_names_location_and_schema() {
        let e = ValidationError::new(
            "/owner/login",
            "required",
            "#/components/schemas/simple-user/required",
            "required property `login` is missing",
        );
        assert_eq!(
            e.to_string(),
            "/owner/login: required property `login` is missing (schema #/components/schemas/simple-user/required)"
        );
        let root = ValidationError::new("", "type", "#/x/type", "expected object");
        assert!(root.message.starts_with("body: "));
    }

    #[test]
    fn long_values_are_cut_on_char_boundaries() {
        let v = json!("é".repeat(100));
        let s = short_value(&v);
        assert!(s.ends_with("..."));
        assert!(s.len() <= 80);
        assert_eq!(short_value(&json!(12)), "12");
    }
}
