//! The client, configured as the crate reads its environment, with the quota share asked for.

use std::time::Duration;

use conversocial::{Client, ClientBuilder, RateLimit, defaults};

use crate::args::Cli;
use crate::exit::Failure;

/// Requests a minute this run may send: the quota (`--quota`, default the API's) times
/// `--rate`.
pub fn requests_per_minute(cli: &Cli) -> f64 {
    let (requests, seconds) = quota(cli);
    f64::from(requests) * 60.0 / seconds * cli.rate
}

fn quota(cli: &Cli) -> (u32, f64) {
    match cli.quota {
        Some(quota) => (quota.requests, quota.seconds),
        None => (defaults::REQUESTS_PER_MINUTE.unwrap_or(30), 60.0),
    }
}

/// A client from `CONVERSOCIAL_TOKEN_NAME`, `CONVERSOCIAL_TOKEN_SECRET`,
/// `CONVERSOCIAL_BASE_URL` and `CONVERSOCIAL_REDIS_URL`, keeping to `--rate` of the quota
/// (its window stretched by 1 / rate, so the same number of requests take longer).
pub fn build(cli: &Cli) -> Result<Client, Failure> {
    let (requests, seconds) = quota(cli);
    let window = Duration::from_secs_f64(seconds / cli.rate);
    let builder = ClientBuilder::from_env()?;
    Ok(builder.rate_limit(RateLimit::new(requests, window)).build()?)
}
