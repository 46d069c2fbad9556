//! Tests of [`diff`](super::diff): the base contract and the helpers shared by the test
//! files, which are grouped like the code (operations, schemas, constraints) plus
//! `output.rs` for properties of the whole output.

mod constraints;
mod operations;
mod output;
mod schemas;

use super::*;

/// A small contract touching every area the diff looks at.
const BASE: &str = r##"
openapi: 3.0.3
info: {title: test, version: "1.0.0"}
paths:
  /repos/{owner}/{repo}:
    parameters:
      - {name: owner, in: path, required: true, schema: {type: string}}
      - {name: repo, in: path, required: true, schema: {type: string}}
    get:
      operationId: getRepo
      parameters:
        - {name: per_page, in: query, schema: {type: integer}}
        - {name: state, in: query, schema: {type: string, enum: [open, closed, all]}}
        - {$ref: '#/components/parameters/Page'}
      responses:
        '200':
          description: ok
          headers:
            X-RateLimit-Limit: {$ref: '#/components/headers/Limit'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Repo'}
        '404': {$ref: '#/components/responses/NotFound'}
  /user/repos:
    post:
      operationId: createRepo
      parameters:
        - {$ref: '#/components/parameters/Page'}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                private: {type: boolean}
                size: {type: integer}
                topic: {type: string, enum: [web, cli]}
                id: {type: integer, readOnly: true}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Repo'}
components:
  parameters:
    Page: {name: page, in: query, schema: {type: integer}}
  headers:
    Limit: {schema: {type: integer}}
  responses:
    NotFound:
      description: missing
      content:
        application/json:
          schema:
            type: object
            properties:
              message: {type: string}
  schemas:
    Repo:
      type: object
      required: [id, owner]
      properties:
        id: {type: integer}
        owner: {$ref: '#/components/schemas/User'}
        visibility: {type: string, enum: [public, private]}
        labels:
          type: array
          items:
            type: object
            properties:
              name: {type: string}
        parent: {$ref: '#/components/schemas/Repo'}
    User:
      type: object
      properties:
        login: {type: string}
"##;

const GET_REPO: &str = "/paths/~1repos~1{owner}~1{repo}/get";
const CREATE_REPO: &str = "/paths/~1user~1repos/post";
const CREATE_BODY: &str = "/paths/~1user~1repos/post/requestBody/content/application~1json/schema";

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("test YAML parses")
}

/// Replaces the first occurrence of `from`, which must be present.
fn edit(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "edit target missing: {from:?}");
    base.replacen(from, to, 1)
}

fn run(old: &str, new: &str) -> Vec<Change> {
    diff(&yaml(old), &yaml(new))
}

/// (severity, kind, operation, pointer) of every change, in output order.
fn summary(changes: &[Change]) -> Vec<(Severity, ChangeKind, &str, &str)> {
    changes
        .iter()
        .map(|c| (c.severity, c.kind, c.operation.as_str(), c.pointer.as_str()))
        .collect()
}

fn breaking(changes: &[Change]) -> Vec<(Severity, ChangeKind, &str, &str)> {
    summary(changes)
        .into_iter()
        .filter(|c| c.0 == Severity::Breaking)
        .collect()
}

fn message_of<'c>(changes: &'c [Change], kind: ChangeKind, operation: &str) -> &'c str {
    changes
        .iter()
        .find(|c| c.kind == kind && c.operation == operation)
        .map(|c| c.message.as_str())
        .expect("change present")
}

/// (severity, kind, pointer) of the changes of one operation.
fn of_op<'c>(changes: &'c [Change], operation: &str) -> Vec<(Severity, ChangeKind, &'c str)> {
    changes
        .iter()
        .filter(|c| c.operation == operation)
        .map(|c| (c.severity, c.kind, c.pointer.as_str()))
        .collect()
}
