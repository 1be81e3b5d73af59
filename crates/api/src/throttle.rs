//! Throttles on what guessing and bots live on: sign-ins per account and
//! per client address, refreshes per address, registrations per address.
//! Each instance keeps its own counts (a GCRA per key, with `governor`):
//! behind N instances an attacker gets N times the rate, which is still a
//! few guesses a second instead of thousands.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{ApiError, ApiResult};

/// How many attempts each throttle lets through.
#[derive(Debug, Clone)]
pub struct ThrottleSettings {
    /// Sign-ins per account (by email) per minute.
    pub sign_ins_per_account_per_minute: u32,
    /// Sign-ins and refreshes per client address per minute.
    pub sign_ins_per_address_per_minute: u32,
    /// Registrations per client address per hour.
    pub registrations_per_address_per_hour: u32,
}

impl Default for ThrottleSettings {
    /// Ten sign-ins a minute for one account, 60 a minute and 60 new
    /// accounts an hour from one address.
    fn default() -> Self {
        Self {
            sign_ins_per_account_per_minute: 10,
            sign_ins_per_address_per_minute: 60,
            registrations_per_address_per_hour: 60,
        }
    }
}

/// The address a request came from, as the server saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// More keys than this in one throttle and the ones at rest are dropped.
const MOST_KEYS: usize = 100_000;

type Limiter<K> = DefaultKeyedRateLimiter<K>;

/// The throttles of one instance.
pub struct Throttles {
    sign_ins_per_account: Limiter<String>,
    sign_ins_per_address: Limiter<IpAddr>,
    registrations_per_address: Limiter<IpAddr>,
}

fn quota(per: Duration, count: u32) -> Quota {
    let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per / count.get())
        .unwrap_or_else(|| Quota::per_second(count))
        .allow_burst(count)
}

impl Throttles {
    pub fn new(settings: &ThrottleSettings) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            sign_ins_per_account: RateLimiter::hashmap(quota(
                minute,
                settings.sign_ins_per_account_per_minute,
            )),
            sign_ins_per_address: RateLimiter::hashmap(quota(
                minute,
                settings.sign_ins_per_address_per_minute,
            )),
            registrations_per_address: RateLimiter::hashmap(quota(
                minute * 60,
                settings.registrations_per_address_per_hour,
            )),
        }
    }

    /// One sign-in attempt for `email` from `address`, or RATE_LIMITED.
    pub fn sign_in(&self, email: &str, address: Option<ClientAddress>) -> ApiResult<()> {
        take_for(
            &self.sign_ins_per_address,
            address,
            "too many sign-ins from your address",
        )?;
        take(
            &self.sign_ins_per_account,
            &email.trim().to_lowercase(),
            "too many sign-ins for this account",
        )
    }

    /// One refresh from `address`, or RATE_LIMITED.
    pub fn refresh(&self, address: Option<ClientAddress>) -> ApiResult<()> {
        take_for(
            &self.sign_ins_per_address,
            address,
            "too many sign-ins from your address",
        )
    }

    /// One registration from `address`, or RATE_LIMITED.
    pub fn register(&self, address: Option<ClientAddress>) -> ApiResult<()> {
        take_for(
            &self.registrations_per_address,
            address,
            "too many new accounts from your address",
        )
    }
}

/// Takes one cell of `address`'s quota, when the address is known.
fn take_for(
    limiter: &Limiter<IpAddr>,
    address: Option<ClientAddress>,
    what: &str,
) -> ApiResult<()> {
    match address {
        Some(ClientAddress(address)) => take(limiter, &address, what),
        None => Ok(()),
    }
}

/// Takes one cell of `key`'s quota, or says when one frees up.
fn take<K: Clone + Hash + Eq>(limiter: &Limiter<K>, key: &K, what: &str) -> ApiResult<()> {
    if limiter.len() > MOST_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::RateLimited {
            message: what.to_owned(),
            retry_after_seconds: wait.as_secs_f64().ceil().max(1.0) as u64,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_gets_its_quota_then_a_time_to_retry() {
        let throttles = Throttles::new(&ThrottleSettings {
            sign_ins_per_account_per_minute: 3,
            ..ThrottleSettings::default()
        });

        for _ in 0..3 {
            assert!(throttles.sign_in("Mai@Example.org", None).is_ok());
        }
        let refused = throttles.sign_in(" mai@example.org", None);
        let other = throttles.sign_in("linh@example.org", None);

        match refused {
            Err(ApiError::RateLimited {
                retry_after_seconds,
                ..
            }) => assert!(
                (1..=20).contains(&retry_after_seconds),
                "{retry_after_seconds}"
            ),
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        assert!(other.is_ok(), "another account is not limited");
    }

    #[test]
    fn an_address_is_limited_whatever_the_accounts() {
        let throttles = Throttles::new(&ThrottleSettings {
            sign_ins_per_address_per_minute: 2,
            ..ThrottleSettings::default()
        });
        let address = Some(ClientAddress(IpAddr::from([192, 0, 2, 7])));
        let elsewhere = Some(ClientAddress(IpAddr::from([192, 0, 2, 8])));

        assert!(throttles.sign_in("a@example.org", address).is_ok());
        assert!(throttles.refresh(address).is_ok());

        assert!(throttles.sign_in("b@example.org", address).is_err());
        assert!(throttles.sign_in("b@example.org", elsewhere).is_ok());
    }

    #[test]
    fn registrations_are_counted_per_address() {
        let throttles = Throttles::new(&ThrottleSettings {
            registrations_per_address_per_hour: 1,
            ..ThrottleSettings::default()
        });
        let address = Some(ClientAddress(IpAddr::from([192, 0, 2, 9])));

        assert!(throttles.register(address).is_ok());
        let refused = throttles.register(address);

        assert!(matches!(
            refused,
            Err(ApiError::RateLimited { retry_after_seconds, .. }) if retry_after_seconds > 60
        ));
    }
}
