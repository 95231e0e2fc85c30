//! `asal bench`: simulation throughput of each substrate on the adapter at hand.

use anyhow::Result;

/// Arguments of `asal bench`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {}

/// Runs `asal bench`.
pub(crate) fn run(_adapter: Option<&str>, _args: &Args) -> Result<()> {
    anyhow::bail!("not yet")
}
