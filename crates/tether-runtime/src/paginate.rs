//! Pagination the provider's way: GitHub's RFC 8288 `Link: <…>; rel="next"` (the next
//! URL is followed as given, only on the same origin as the request) and Stripe's
//! `has_more` + `starting_after=<last id>`. Generated builders of paginated operations
//! get `.stream()`, a `futures::Stream` of items built on [`stream`].

use std::collections::VecDeque;
use std::future::Future;

use futures::Stream;
use progenitor_client::ResponseValue;
use reqwest::Url;

use crate::error::Error;
use crate::options::CallOptions;
pub use crate::options::NextPage;

/// A page of a list response, turned into its items.
pub trait Page {
    /// One item.
    type Item;
    /// The items, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

impl<T> Page for Vec<T> {
    type Item = T;
    fn into_items(self) -> Vec<T> {
        self
    }
}

/// The `rel="next"` target of a `Link` header (RFC 8288), if any. Tolerates several
/// links, several relation types (`rel="next last"`), unquoted values, spaces and
/// parameters in any order; never panics.
pub fn link_next(header: &str) -> Option<String> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let end = start + rest[start..].find('>')?;
        let target = &rest[start + 1..end];
        let after = &rest[end + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        for param in params.split(';') {
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("rel") {
                let v = v.trim().trim_end_matches(',').trim().trim_matches('"');
                if v.split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
                {
                    return Some(target.trim().to_owned());
                }
            }
        }
        rest = &after[params_end..];
    }
}

/// `has_more` and the last item's `id` from a Stripe list body.
pub fn cursor_next(body: &[u8], has_more_field: &str, items_field: &str) -> Option<String> {
    let v: serde_json::Value = crate::json::from_body(body).ok()?;
    if v.get(has_more_field)?.as_bool() != Some(true) {
        return None;
    }
    v.get(items_field)?
        .as_array()?
        .last()?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

/// Same scheme, host and port: a next link elsewhere is never followed (it would carry
/// our credential to another host).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Every item of every page, lazily: one request per page, the page size the policy
/// allows at most unless the builder set one, stopping after the last page. An error
/// ends the stream after being yielded.
///
/// `page` makes one page's call with the options it is given (the page to fetch is in
/// them) and returns its result with where the next page is: the generated `stream()`
/// passes its builder's `send_direct` through [`crate::call::Direct::finish_page`].
pub fn stream<'a, B, T, E, F, Fut>(
    builder: B,
    page: F,
    options: CallOptions,
) -> impl Stream<Item = Result<T::Item, Error<E>>> + 'a
where
    B: Clone + 'a,
    F: Fn(B, CallOptions) -> Fut + 'a,
    Fut: Future<Output = (Result<ResponseValue<T>, Error<E>>, Option<NextPage>)> + 'a,
    T: Page + 'a,
    T::Item: 'a,
    E: 'a,
{
    struct State<B, F, I> {
        builder: B,
        page: F,
        options: CallOptions,
        buffer: VecDeque<I>,
        next: Option<Option<NextPage>>,
    }
    let state = State {
        builder,
        page,
        options: CallOptions {
            page_size_default: true,
            ..options
        },
        buffer: VecDeque::new(),
        next: Some(None),
    };
    futures::stream::unfold(state, move |mut s| async move {
        loop {
            if let Some(item) = s.buffer.pop_front() {
                return Some((Ok(item), s));
            }
            let at = s.next.take()?;
            let mut options = s.options.clone();
            options.page = at;
            let (result, next) = (s.page)(s.builder.clone(), options).await;
            match result {
                Ok(value) => {
                    s.buffer.extend(value.into_inner().into_items());
                    s.next = next.map(Some);
                }
                Err(e) => return Some((Err(e), s)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_variants() {
        let gh = r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        assert_eq!(
            link_next(gh).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        let last_first = r#"<https://x/?page=5>; rel="last", <https://x/?page=3>; rel="next""#;
        assert_eq!(link_next(last_first).as_deref(), Some("https://x/?page=3"));
        assert_eq!(
            link_next(r#"<https://x/?p=2>;rel=next"#).as_deref(),
            Some("https://x/?p=2")
        );
        assert_eq!(
            link_next(r#"<https://x/?p=2>; title="a"; rel="prev next""#).as_deref(),
            Some("https://x/?p=2")
        );
        assert_eq!(
            link_next(r#"<https://x/?page=1>; rel="prev", <https://x/?page=1>; rel="first""#),
            None
        );
        for junk in [
            "",
            "<",
            ">",
            "<<>>; rel=next",
            "rel=\"next\"",
            "<x; rel=next",
            "\u{0}<a>;rel",
        ] {
            let _ = link_next(junk);
        }
        assert_eq!(link_next("<<>>; rel=next").as_deref(), Some("<"));
    }

    #[test]
    fn stripe_cursor() {
        let body = br#"{"object":"list","data":[{"id":"cus_1"},{"id":"cus_2"}],"has_more":true}"#;
        assert_eq!(
            cursor_next(body, "has_more", "data").as_deref(),
            Some("cus_2")
        );
        let last = br#"{"object":"list","data":[{"id":"cus_3"}],"has_more":false}"#;
        assert_eq!(cursor_next(last, "has_more", "data"), None);
        assert_eq!(
            cursor_next(br#"{"has_more":true,"data":[]}"#, "has_more", "data"),
            None
        );
        assert_eq!(cursor_next(b"not json", "has_more", "data"), None);
    }

    #[test]
    fn origin_check() {
        let a = Url::parse("https://api.github.com/x").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("https://api.github.com:443/y?page=2").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://evil.example/y").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://api.github.com/y").unwrap()
        ));
    }
}
