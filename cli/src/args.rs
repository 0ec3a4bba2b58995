//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, shown at the end of `--help` (kept in step with `exit.rs`).
const EXIT_CODES: &str = "\
Environment:
  CONVERSOCIAL_TOKEN_NAME, CONVERSOCIAL_TOKEN_SECRET   the API token (required)
  CONVERSOCIAL_BASE_URL    another API base URL (https; plain http only on loopback)
  CONVERSOCIAL_REDIS_URL   share the token's quota with other processes through Redis

Exit codes:
  0  success (also: an export whose --state says it is already complete)
  2  usage: unknown option or invalid value
  3  configuration: missing or invalid environment variable, option, or state file
  4  authentication or permission: the API refused the token (401/403)
  5  rate limit: the API kept answering 429, or no request slot came free in time
  6  API error: an error status, an unreadable answer, or the API could not be reached
  7  I/O: an output or state file could not be read or written";

/// Export Conversocial data to files, and look single objects up.
#[derive(Debug, Parser)]
#[command(name = "conversocial", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// No progress bar and no progress lines; errors are still printed.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Use this share of the token's quota, e.g. 0.5 leaves half for other clients.
    #[arg(long, global = true, default_value_t = 1.0, value_parser = parse_rate)]
    pub rate: f64,
    /// The token's quota as REQUESTS/SECONDS (default 30/60, the API's limit). For test
    /// servers with another quota.
    #[arg(long, global = true, hide = true, value_parser = parse_quota)]
    pub quota: Option<Quota>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Export a list to JSON Lines or CSV, resumable with --state.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Print one object as JSON.
    Get(GetArgs),
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Conversations, with their content, notes and actions when --include asks for them.
    Conversations(ConversationFilters),
    /// Accounts.
    Accounts(Common),
    /// Channels.
    Channels(Common),
    /// Tags.
    Tags(Common),
    /// Users.
    Users(Common),
    /// Reports.
    Reports(Common),
}

/// Options every export takes.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Write here instead of standard output. Side files are named after it:
    /// FILE.set-aside.jsonl (items that did not match the API description, kept whole)
    /// and, for conversations, FILE.sideloaded.jsonl (notes, actions, unmatched content).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Checkpoint file: records the position after each page; running the same command
    /// again resumes from it, without duplicating or losing a line. Needs --out.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Only these properties (comma-separated; id and url always come).
    #[arg(long, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Items per page (the API caps it; 50 for conversations).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=1000))]
    pub page_size: i64,
    /// The number of items expected, for an ETA on the progress bar.
    #[arg(long)]
    pub expect: Option<u64>,
}

/// The filters of `export conversations`.
#[derive(Debug, Args, Clone)]
pub struct ConversationFilters {
    #[command(flatten)]
    pub common: Common,
    /// Only conversations in this state (repeat for several: --status unread --status archived).
    #[arg(long)]
    pub status: Vec<String>,
    /// Only priority (true) or non-priority (false) conversations.
    #[arg(long)]
    pub priority: Option<bool>,
    /// Only conversations whose oldest_sort_date is at or after this UTC time
    /// (2024-01-31T00:00:00 or 2024-01-31).
    #[arg(long)]
    pub since: Option<String>,
    /// Only conversations whose oldest_sort_date is before this UTC time.
    #[arg(long)]
    pub until: Option<String>,
    /// Only conversations assigned to this user id.
    #[arg(long)]
    pub assigned_to: Option<String>,
    /// Side-load content, notes or actions (repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    pub include: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON Lines: one object per line.
    Jsonl,
    /// CSV with a header row and a fixed column order; nested values as JSON text.
    Csv,
}

/// `get <resource> <id>`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to look up.
    #[arg(value_enum)]
    pub resource: GetResource,
    /// Its id.
    pub id: String,
    /// For conversations: side-load content, notes or actions.
    #[arg(long, value_delimiter = ',')]
    pub include: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GetResource {
    Conversation,
    Account,
    Author,
    Channel,
    Report,
    Tag,
    User,
}

/// A quota: at most `requests` in any `seconds`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    pub requests: u32,
    pub seconds: f64,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate <= 1.0 => Ok(rate),
        _ => Err(format!("`{text}` is not a share of the quota: give a number in (0, 1], e.g. 0.5")),
    }
}

fn parse_quota(text: &str) -> Result<Quota, String> {
    let bad = || format!("`{text}` is not a quota: give REQUESTS/SECONDS, e.g. 30/60");
    let (requests, seconds) = text.split_once('/').ok_or_else(bad)?;
    let requests: u32 = requests.trim().parse().map_err(|_| bad())?;
    let seconds: f64 = seconds.trim().parse().map_err(|_| bad())?;
    if requests == 0 || !(seconds > 0.0 && seconds < 1e7) {
        return Err(bad());
    }
    Ok(Quota { requests, seconds })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates_and_quotas() {
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        assert!(parse_rate("0").is_err() && parse_rate("1.5").is_err() && parse_rate("x").is_err());
        assert_eq!(parse_quota("30/1"), Ok(Quota { requests: 30, seconds: 1.0 }));
        assert!(parse_quota("0/1").is_err() && parse_quota("3").is_err() && parse_quota("3/-1").is_err());
        assert!(parse_quota("3/NaN").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
