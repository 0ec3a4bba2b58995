//! `get <resource> <id>`: one object, printed as JSON.

use conversocial::Client;
use conversocial::queries::GetConversationQuery;
use serde::Serialize;

use crate::args::{GetArgs, GetResource};
use crate::exit::{Code, Failure};

/// Fetches the object and prints it, pretty, on standard output.
pub async fn get(args: &GetArgs, client: &Client) -> Result<(), Failure> {
    let id = args.id.trim();
    if id.is_empty() {
        return Err(Failure::config("the id is empty"));
    }
    let id = id.to_owned();
    match args.resource {
        GetResource::Conversation => {
            let include =
                args.include.iter().filter(|t| !t.trim().is_empty()).map(|t| t.trim().into()).collect();
            let query = GetConversationQuery { include, ..Default::default() };
            print(&client.get_conversation_with(&id.into(), &query).await?)
        }
        GetResource::Account => print(&client.get_account(&id.into()).await?),
        GetResource::Author => print(&client.get_author(&id.into()).await?),
        GetResource::Channel => print(&client.get_channel(&id.into()).await?),
        GetResource::Report => print(&client.get_report(&id.into()).await?),
        GetResource::Tag => print(&client.get_tag(&id.into()).await?),
        GetResource::User => print(&client.get_user(&id.into()).await?),
    }
}

fn print<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::config(format!("internal: the answer could not be encoded: {e}")))?;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .map_err(|e| Failure::new(Code::Io, format!("cannot write to standard output: {e}")))
}
