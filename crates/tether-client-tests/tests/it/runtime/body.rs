//! Reading response bodies: the size limit (declared or chunked) and a truncated body.

use std::sync::Arc;

use tether_runtime::clock::ManualClock;
use tether_runtime::Error;

use super::{fresh_server, repo_at};

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let server = fresh_server().await;
    repo_at("/repos/o/r").mount(&server).await;
    assert_body_too_large(server.uri(), 1024).await;
}

/// `repos/get` against `base` with a body limit of `limit` bytes fails as `BodyTooLarge`.
async fn assert_body_too_large(base: String, limit: u64) {
    let client = github_repos_v1::Client::builder()
        .base_url(base)
        .max_body_bytes(limit)
        .build()
        .unwrap();
    let err = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: l, .. } if l == limit),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_oversized_chunked_body_is_refused() {
    // No Content-Length, so the size is only known while reading: chunks of 512 bytes,
    // 64 KiB in all, against a 1 KiB limit.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        sock.write_all(head).await.unwrap();
        let chunk = format!("200\r\n{}\r\n", "a".repeat(512));
        for _ in 0..128 {
            if sock.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
        let _ = sock.write_all(b"0\r\n\r\n").await;
    });
    assert_body_too_large(format!("http://{addr}"), 1024).await;
    server.abort();
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error_after_retries() {
    // A raw server that promises 1000 bytes and closes after 10.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut served = 0;
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\": 12")
                .await;
            drop(sock);
            served += 1;
            if served == 4 {
                break;
            }
        }
        served
    });
    let clock = ManualClock::default();
    let client = github_repos_v1::Client::builder()
        .base_url(format!("http://{addr}"))
        .clock(Arc::new(clock))
        .build()
        .unwrap();
    let err = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts().len(), 4);
    assert_eq!(server.await.unwrap(), 4);
}
