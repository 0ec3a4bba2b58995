//! Each exportable list: its query from the options, its CSV columns, its lines.

use conversocial::models::{ConversationInclude, ConversationStatus};
use conversocial::queries::{
    ListAccountsQuery, ListChannelsQuery, ListConversationsQuery, ListReportsQuery, ListTagsQuery,
    ListUsersQuery,
};
use conversocial::{Client, Timestamp};

use crate::args::{Cli, Common, ConversationFilters, ExportCommand, Format};
use crate::exit::Failure;
use crate::export::{self, Job};
use crate::lines;

/// CSV columns: `id` and `url` first, then the properties in alphabetical order.
const CONVERSATION_COLUMNS: &[&str] = &[
    "id",
    "url",
    "assigned_to",
    "author",
    "channels",
    "contains_private",
    "content_ids",
    "handling_times",
    "is_priority",
    "oldest_sort_date",
    "status",
    "tags",
    "content",
];
const ACCOUNT_COLUMNS: &[&str] =
    &["id", "url", "channels", "created_date", "description", "name", "package", "reports"];
const CHANNEL_COLUMNS: &[&str] = &[
    "id",
    "url",
    "account",
    "created",
    "fans",
    "fb_page_url",
    "is_active",
    "name",
    "reports",
    "small_image",
    "type",
];
const TAG_COLUMNS: &[&str] = &["id", "url", "is_active", "name"];
const USER_COLUMNS: &[&str] = &[
    "id",
    "url",
    "account",
    "crowds_name",
    "date_joined",
    "email",
    "first_name",
    "is_expert",
    "last_login",
    "last_name",
    "timezone",
];
const REPORT_COLUMNS: &[&str] = &[
    "id",
    "url",
    "account",
    "date_from",
    "date_to",
    "date_type",
    "download",
    "failure",
    "generated_by",
    "generated_date",
    "generation_start_date",
    "name",
];

/// Runs `export <what>`.
pub async fn export(cli: &Cli, what: &ExportCommand, client: &Client) -> Result<(), Failure> {
    match what {
        ExportCommand::Conversations(filters) => {
            let query = conversation_query(filters)?;
            let with_content = query.include.contains(&ConversationInclude::Content);
            let job = job(cli, "conversations", &filters.common, format!("{query:?}"), CONVERSATION_COLUMNS);
            export::run(
                client,
                job,
                |c| c.list_conversations_pages(&query),
                |page| lines::conversations(page, with_content),
            )
            .await
        }
        ExportCommand::Accounts(common) => {
            let query = ListAccountsQuery {
                fields: parse_all(&common.fields),
                page_size: Some(common.page_size),
                ..Default::default()
            };
            let job = job(cli, "accounts", common, format!("{query:?}"), ACCOUNT_COLUMNS);
            export::run(client, job, |c| c.list_accounts_pages(&query), lines::plain).await
        }
        ExportCommand::Channels(common) => {
            let query = ListChannelsQuery {
                fields: parse_all(&common.fields),
                page_size: Some(common.page_size),
                ..Default::default()
            };
            let job = job(cli, "channels", common, format!("{query:?}"), CHANNEL_COLUMNS);
            export::run(client, job, |c| c.list_channels_pages(&query), lines::plain).await
        }
        ExportCommand::Tags(common) => {
            let query = ListTagsQuery {
                fields: parse_all(&common.fields),
                page_size: Some(common.page_size),
                ..Default::default()
            };
            let job = job(cli, "tags", common, format!("{query:?}"), TAG_COLUMNS);
            export::run(client, job, |c| c.list_tags_pages(&query), lines::plain).await
        }
        ExportCommand::Users(common) => {
            let query = ListUsersQuery {
                fields: parse_all(&common.fields),
                page_size: Some(common.page_size),
                ..Default::default()
            };
            let job = job(cli, "users", common, format!("{query:?}"), USER_COLUMNS);
            export::run(client, job, |c| c.list_users_pages(&query), lines::plain).await
        }
        ExportCommand::Reports(common) => {
            let query = ListReportsQuery {
                fields: parse_all(&common.fields),
                page_size: Some(common.page_size),
                ..Default::default()
            };
            let job = job(cli, "reports", common, format!("{query:?}"), REPORT_COLUMNS);
            export::run(client, job, |c| c.list_reports_pages(&query), lines::plain).await
        }
    }
}

fn job<'a>(
    cli: &Cli,
    name: &str,
    common: &'a Common,
    query: String,
    columns: &'static [&'static str],
) -> Job<'a> {
    Job {
        fingerprint: fingerprint(name, common, &query),
        common,
        columns,
        quiet: cli.quiet,
        requests_per_minute: crate::client::requests_per_minute(cli),
    }
}

/// What the state file compares on resume: resource, query, format and output file.
fn fingerprint(name: &str, common: &Common, query: &str) -> String {
    let format = match common.format {
        Format::Jsonl => "jsonl",
        Format::Csv => "csv",
    };
    let out = common.out.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "-".into());
    format!("export {name} --format {format} --out {out} {query}")
}

fn parse_all<T: std::str::FromStr<Err = std::convert::Infallible>>(texts: &[String]) -> Vec<T> {
    texts
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| match t.trim().parse() {
            Ok(value) => value,
            Err(never) => match never {},
        })
        .collect()
}

/// The query of `export conversations`, checked: known statuses and includes only, times
/// that parse, and a status or priority (the API requires one).
pub fn conversation_query(filters: &ConversationFilters) -> Result<ListConversationsQuery, Failure> {
    let status: Vec<ConversationStatus> = parse_all(&filters.status);
    if let Some(ConversationStatus::Unknown(bad)) =
        status.iter().find(|s| matches!(s, ConversationStatus::Unknown(_)))
    {
        return Err(Failure::config(format!(
            "--status `{bad}` is not a conversation status: use unread or archived"
        )));
    }
    let include: Vec<ConversationInclude> = parse_all(&filters.include);
    if let Some(ConversationInclude::Unknown(bad)) =
        include.iter().find(|s| matches!(s, ConversationInclude::Unknown(_)))
    {
        return Err(Failure::config(format!(
            "--include `{bad}` is not side-loadable: use content, notes or actions"
        )));
    }
    if status.is_empty() && filters.priority.is_none() {
        return Err(Failure::config(
            "the API needs --status (unread, archived) or --priority (true, false) to list conversations",
        ));
    }
    Ok(ListConversationsQuery {
        status,
        is_priority: filters.priority,
        assigned_to: filters.assigned_to.clone().map(Into::into),
        oldest_sort_date_gte: filters.since.as_deref().map(|t| time("--since", t)).transpose()?,
        oldest_sort_date_lt: filters.until.as_deref().map(|t| time("--until", t)).transpose()?,
        include,
        fields: parse_all(&filters.common.fields),
        page_size: Some(filters.common.page_size),
        ..Default::default()
    })
}

/// A UTC time, `2024-01-31T08:00:00`, or a date meaning its midnight.
fn time(option: &str, text: &str) -> Result<Timestamp, Failure> {
    let text = text.trim();
    let full = if text.len() == 10 { format!("{text}T00:00:00") } else { text.to_owned() };
    full.parse().map_err(|_| {
        Failure::config(format!(
            "{option} `{text}` is not a UTC time: write 2024-01-31 or 2024-01-31T08:00:00"
        ))
    })
}
