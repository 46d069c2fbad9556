//! Walking a contract document: [`Node`]s (a value with its JSON pointer), child, element
//! and entry lookups, local `$ref` resolution, and the `readOnly`/`writeOnly` filter.

use serde_json::Value;

use super::schemas::Dir;

/// A JSON value together with its (normalised, RFC 6901) pointer in its document.
#[derive(Clone, Debug)]
pub(super) struct Node<'a> {
    pub(super) value: &'a Value,
    pub(super) ptr: String,
}

/// Escapes one reference token for a JSON pointer (RFC 6901).
pub(super) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

pub(super) fn child<'a>(node: &Node<'a>, key: &str) -> Option<Node<'a>> {
    let value = node.value.as_object()?.get(key)?;
    Some(Node {
        value,
        ptr: format!("{}/{}", node.ptr, escape(key)),
    })
}

fn index<'a>(node: &Node<'a>, i: usize) -> Option<Node<'a>> {
    let value = node.value.as_array()?.get(i)?;
    Some(Node {
        value,
        ptr: format!("{}/{i}", node.ptr),
    })
}

/// The elements of an array node, each with its pointer.
pub(super) fn elements<'a>(node: &Node<'a>) -> Vec<Node<'a>> {
    let len = node.value.as_array().map_or(0, Vec::len);
    (0..len).filter_map(|i| index(node, i)).collect()
}

/// The entries of an object node, each with its key and pointer.
pub(super) fn entries<'a>(node: &Node<'a>) -> Vec<(&'a str, Node<'a>)> {
    match node.value.as_object() {
        Some(map) => map
            .iter()
            .map(|(k, value)| {
                (
                    k.as_str(),
                    Node {
                        value,
                        ptr: format!("{}/{}", node.ptr, escape(k)),
                    },
                )
            })
            .collect(),
        None => Vec::new(),
    }
}

pub(super) fn is_true(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool) == Some(true)
}

/// Follows local `$ref`s until a node without one. Returns the node and whether a
/// reference was followed; `None` when a reference cannot be resolved.
pub(super) fn resolve<'a>(doc: &'a Value, node: Node<'a>) -> Option<(Node<'a>, bool)> {
    let (followed, ptr) = crate::reference::follow_with_pointer(doc, node.value).ok()?;
    Some(match ptr {
        Some(ptr) => (
            Node {
                value: followed.node,
                ptr,
            },
            true,
        ),
        None => (node, false),
    })
}

/// `readOnly` properties are not sent and `writeOnly` ones are not received.
pub(super) fn visible(doc: &Value, dir: Dir, node: &Node<'_>) -> bool {
    let flag = match dir {
        Dir::Request => "readOnly",
        Dir::Response => "writeOnly",
    };
    if is_true(node.value, flag) {
        return false;
    }
    match resolve(doc, node.clone()) {
        Some((target, _)) => !is_true(target.value, flag),
        None => true,
    }
}
