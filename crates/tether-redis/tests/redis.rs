//! Against a real Redis: `TETHER_REDIS_URL` (shared) or a `redis-server` of the test's own.

use std::time::{Duration, Instant};

use tether_redis::testing::{unique_prefix, url_or_skip, RedisServer};
use tether_redis::{GcraLimit, Redis, RedisConfig, RedisError};

fn limit(redis: &Redis, name: &str, interval_ms: u64, burst: u32) -> GcraLimit {
    GcraLimit {
        key: redis.key(&["rl", name]),
        emission_interval: Duration::from_millis(interval_ms),
        burst,
    }
}

#[tokio::test]
async fn gcra_admits_the_burst_then_says_how_long_to_wait() {
    let Some(url) = url_or_skip("gcra_admits_the_burst") else {
        return;
    };
    let redis = Redis::open(RedisConfig::new(url).prefix(unique_prefix("gcra"))).unwrap();
    let l = [limit(&redis, "a", 200, 3)];
    for i in 0..3 {
        assert_eq!(
            redis.gcra(&l).await.unwrap(),
            None,
            "request {i} of the burst"
        );
    }
    let wait = redis.gcra(&l).await.unwrap().expect("the 4th must wait");
    assert!(
        wait > Duration::from_millis(100) && wait <= Duration::from_millis(200),
        "{wait:?}"
    );
    // A refusal records nothing: after the wait, exactly one more goes.
    tokio::time::sleep(wait + Duration::from_millis(5)).await;
    assert_eq!(redis.gcra(&l).await.unwrap(), None);
    assert!(redis.gcra(&l).await.unwrap().is_some());
}

#[tokio::test]
async fn gcra_is_all_or_nothing_across_limits() {
    let Some(url) = url_or_skip("gcra_is_all_or_nothing") else {
        return;
    };
    let redis = Redis::open(RedisConfig::new(url).prefix(unique_prefix("gcra2"))).unwrap();
    let roomy = limit(&redis, "roomy", 1000, 2);
    let tight = limit(&redis, "tight", 60_000, 1);
    assert_eq!(
        redis.gcra(&[roomy.clone(), tight.clone()]).await.unwrap(),
        None
    );
    // `tight` refuses: `roomy` must not lose its second cell to the refused request.
    let wait = redis.gcra(&[roomy.clone(), tight]).await.unwrap();
    assert!(
        wait.is_some_and(|w| w > Duration::from_secs(50)),
        "{wait:?}"
    );
    assert_eq!(
        redis.gcra(std::slice::from_ref(&roomy)).await.unwrap(),
        None
    );
    assert!(redis.gcra(&[roomy]).await.unwrap().is_some());
}

#[tokio::test]
async fn set_nx_is_first_sight_only_and_expires() {
    let Some(url) = url_or_skip("set_nx") else {
        return;
    };
    let redis = Redis::open(RedisConfig::new(url).prefix(unique_prefix("nx"))).unwrap();
    let key = redis.key(&["seen", "delivery-1"]);
    assert!(redis
        .set_nx(&key, "1", Duration::from_millis(300))
        .await
        .unwrap());
    assert!(!redis
        .set_nx(&key, "1", Duration::from_millis(300))
        .await
        .unwrap());
    assert!(redis.exists(&key).await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!redis.exists(&key).await.unwrap());
    assert!(redis
        .set_nx(&key, "1", Duration::from_secs(5))
        .await
        .unwrap());
}

#[tokio::test]
async fn get_returns_the_value_with_its_time_to_live_and_del_if_guards_ownership() {
    let Some(url) = url_or_skip("get_del_if") else {
        return;
    };
    let redis = Redis::open(RedisConfig::new(url).prefix(unique_prefix("get"))).unwrap();
    let key = redis.key(&["lock"]);
    assert_eq!(redis.get(&key).await.unwrap(), None);
    redis
        .set_px(&key, "owner-a", Duration::from_secs(10))
        .await
        .unwrap();
    let (value, ttl) = redis.get(&key).await.unwrap().unwrap();
    assert_eq!(value, "owner-a");
    assert!(
        ttl > Duration::from_secs(9) && ttl <= Duration::from_secs(10),
        "{ttl:?}"
    );
    assert!(!redis.del_if(&key, "owner-b").await.unwrap());
    assert!(redis.del_if(&key, "owner-a").await.unwrap());
    assert_eq!(redis.get(&key).await.unwrap(), None);
}

#[tokio::test]
async fn unreachable_redis_fails_fast_after_the_first_error_and_recovers_after_restart() {
    let Some(mut server) = RedisServer::start_or_skip("unreachable_redis") else {
        return;
    };
    let redis = Redis::open(
        RedisConfig::new(server.url())
            .timeout(Duration::from_millis(200))
            .retry_after_failure(Duration::from_millis(300)),
    )
    .unwrap();
    redis.ping().await.unwrap();
    assert!(redis.is_up());

    server.kill();
    let first = redis.ping().await.unwrap_err();
    assert!(matches!(first, RedisError::Command { .. }), "{first}");
    assert!(!redis.is_up());
    let started = Instant::now();
    let second = redis.ping().await.unwrap_err();
    assert!(matches!(second, RedisError::Down { .. }), "{second}");
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "a down Redis must not be waited on"
    );

    server.restart();
    tokio::time::sleep(Duration::from_millis(350)).await;
    // The manager reconnects by itself; allow it a couple of tries.
    let mut ok = false;
    for _ in 0..20 {
        if redis.ping().await.is_ok() {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(350)).await;
    }
    assert!(ok, "no recovery after restart");
    assert!(redis.is_up());
}
