//! Tests only: the generated clients against a real HTTP server on loopback
//! (`tests/it`). Kept out of the client crates, which hold nothing hand-written.
