//! Deterministic API data: pages of conversations with side-loaded content, as
//! `GET /conversations?include=content&page_size=50` returns them, and a small page of
//! tags. The same seed always gives the same bytes.

use serde_json::{Value, json};

/// The origin objects' own `url` fields point at (the API's, as in real responses).
const API: &str = "https://api.conversocial.com/v1.3";

/// xorshift64*: tiny, deterministic, good enough to vary sizes and choices.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "hi",
    "hello",
    "thanks",
    "order",
    "delivery",
    "refund",
    "account",
    "please",
    "help",
    "still",
    "waiting",
    "package",
    "arrived",
    "damaged",
    "broken",
    "store",
    "online",
    "card",
    "charged",
    "twice",
    "since",
    "yesterday",
    "morning",
    "tracking",
    "number",
    "update",
    "support",
    "team",
    "really",
    "disappointed",
    "happy",
    "quick",
    "reply",
    "could",
    "you",
    "check",
    "my",
    "the",
    "a",
    "for",
    "and",
    "is",
    "not",
    "was",
    "it",
    "this",
    "again",
    "week",
    "app",
    "login",
    "password",
    "reset",
    "email",
    "never",
    "received",
    "confirmation",
    "#123456",
    "@brand",
    "café",
    "naïve",
    "😀",
    "🙏",
];

/// A message text of `min..max` characters, with the punctuation, quotes, line breaks and
/// emoji of real social media posts (so that some strings need unescaping).
fn text(rng: &mut Rng, min: usize, max: usize) -> String {
    let target = min + rng.below((max - min) as u64) as usize;
    let mut out = String::with_capacity(target + 16);
    while out.len() < target {
        if !out.is_empty() {
            out.push(match rng.below(40) {
                0 => '\n',
                1..=3 => ',',
                4 => '.',
                _ => ' ',
            });
        }
        if rng.chance(2) {
            out.push('"');
            out.push_str(rng.pick(WORDS));
            out.push('"');
        } else {
            out.push_str(rng.pick(WORDS));
        }
    }
    out
}

/// A zone-less UTC timestamp (`2024-03-05T11:20:24`) some time in 2024.
fn timestamp(rng: &mut Rng) -> String {
    let secs = 1_704_067_200 + rng.below(365 * 86_400) as i64;
    let t = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default().naive_utc();
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn reference(kind: &str, id: u64, name: Option<String>) -> Value {
    match name {
        Some(name) => json!({"id": id.to_string(), "url": format!("{API}/{kind}/{id}"), "name": name}),
        None => json!({"id": id.to_string(), "url": format!("{API}/{kind}/{id}")}),
    }
}

const PLATFORMS: &[&str] = &["twitter", "facebook", "instagram", "whatsapp"];
const CONTENT_TYPES: &[&str] = &["tweet", "direct_message", "post", "comment", "reply"];
const TAGS: &[&str] = &["Complaint", "Delivery", "Billing", "VIP", "Praise", "Escalated", "Refund"];
const AGENTS: &[&str] = &["Ana Lopez", "Ben Okafor", "Chloe Martin", "Dev Patel", "Eva Novak"];
const CHANNELS: &[&str] = &["@brand_support", "Brand Facebook page", "@brand", "Brand Instagram"];

fn tags(rng: &mut Rng, max: u64) -> Value {
    let n = rng.below(max + 1);
    let tags: Vec<Value> = (0..n)
        .map(|_| {
            let i = rng.below(TAGS.len() as u64);
            reference("tags", 100 + i, Some(TAGS[i as usize].to_owned()))
        })
        .collect();
    Value::Array(tags)
}

fn channels(rng: &mut Rng, n: u64) -> Value {
    let channels: Vec<Value> = (0..n)
        .map(|_| {
            let i = rng.below(CHANNELS.len() as u64);
            reference("channels", 20 + i, Some(CHANNELS[i as usize].to_owned()))
        })
        .collect();
    Value::Array(channels)
}

fn agent(rng: &mut Rng) -> Value {
    let i = rng.below(AGENTS.len() as u64);
    reference("users", 500 + i, Some(AGENTS[i as usize].to_owned()))
}

/// Page `page` (0-based) of a conversation listing: `per_page` conversations, each with
/// 2 to 6 side-loaded content items of 150 to 600 characters, and `next` as
/// `paging.next_page`.
pub fn conversation_page(page: u64, per_page: u64, next: Option<&str>) -> Value {
    let mut rng = Rng::new(page + 1);
    let mut conversations = Vec::new();
    let mut content = Vec::new();
    for i in 0..per_page {
        let id = 4_000_000 + page * per_page + i;
        let author_id = 9_000_000 + rng.below(1_000_000);
        let author = reference("authors", author_id, Some(format!("customer_{author_id}")));
        let platform = rng.pick(PLATFORMS);
        let n_content = 2 + rng.below(5);
        let mut content_ids = Vec::new();
        for k in 0..n_content {
            let content_id = id * 10 + k;
            content_ids.push(Value::String(content_id.to_string()));
            let by_source = k % 2 == 1;
            content.push(json!({
                "id": content_id.to_string(),
                "url": format!("{API}/content/{content_id}"),
                "type": rng.pick(CONTENT_TYPES),
                "platform": platform,
                "platform_id": format!("{}", 1_700_000_000_000_000_000u64 + rng.below(1 << 40)),
                "text": text(&mut rng, 150, 600),
                "link": format!("https://{platform}.example/status/{content_id}"),
                "created_date": timestamp(&mut rng),
                "is_priority": rng.chance(10),
                "is_private": rng.chance(30),
                "is_by_source": by_source,
                "author": if by_source { Value::Null } else { author.clone() },
                "user": if by_source { agent(&mut rng) } else { Value::Null },
                "channels": channels(&mut rng, 1),
                "tags": tags(&mut rng, 2),
                "parent": if k == 0 { Value::Null } else { reference("content", content_id - 1, None) },
                "sentiment": if rng.chance(50) { json!({"value": rng.below(5) as i64 - 2, "created_by": null}) } else { Value::Null },
                "attachments": if rng.chance(15) {
                    json!([{"type": "image", "url": format!("https://media.example/{content_id}.jpg")}])
                } else {
                    json!([])
                },
            }));
        }
        let n_channels = 1 + rng.below(2);
        let conversation_channels = channels(&mut rng, n_channels);
        conversations.push(json!({
            "id": id.to_string(),
            "url": format!("{API}/conversations/{id}"),
            "status": if rng.chance(70) { "unread" } else { "archived" },
            "is_priority": rng.chance(10),
            "contains_private": rng.chance(30),
            "oldest_sort_date": timestamp(&mut rng),
            "author": author,
            "assigned_to": if rng.chance(60) { agent(&mut rng) } else { Value::Null },
            "channels": conversation_channels,
            "tags": tags(&mut rng, 3),
            "content_ids": content_ids,
            "handling_times": {
                "first_response": rng.below(86_400),
                "resolution": rng.below(7 * 86_400),
                "agent_handling": rng.below(3_600),
            },
        }));
    }
    json!({
        "conversations": conversations,
        "content": content,
        "paging": {"next_page": next, "prev_page": null},
    })
}

/// A page of tags as `GET /tags?fields=name,is_active` returns it: five small objects.
pub fn tag_page() -> Value {
    let tags: Vec<Value> = TAGS
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, name)| {
            json!({"id": (100 + i).to_string(), "url": format!("{API}/tags/{}", 100 + i), "name": name, "is_active": i % 4 != 3})
        })
        .collect();
    json!({"tags": tags, "paging": {"next_page": null, "prev_page": null}})
}

/// A page body split around its `next_page` value, so that a server can stamp each page's
/// link in without re-encoding the page: `prefix + link + suffix`.
pub struct PageTemplate {
    pub prefix: String,
    pub suffix: String,
}

impl PageTemplate {
    pub fn conversations(per_page: u64) -> PageTemplate {
        const MARK: &str = "\"@@NEXT@@\"";
        let text = conversation_page(0, per_page, Some("@@NEXT@@")).to_string();
        let (prefix, suffix) = text.split_once(MARK).expect("the template holds the marker");
        PageTemplate { prefix: prefix.to_owned(), suffix: suffix.to_owned() }
    }

    /// The body with `next` (a URL, JSON-quoted here) or `null`.
    pub fn render(&self, next: Option<&str>) -> Vec<u8> {
        let link = next.map_or_else(|| "null".to_owned(), |url| Value::String(url.to_owned()).to_string());
        let mut out = Vec::with_capacity(self.prefix.len() + link.len() + self.suffix.len());
        out.extend_from_slice(self.prefix.as_bytes());
        out.extend_from_slice(link.as_bytes());
        out.extend_from_slice(self.suffix.as_bytes());
        out
    }
}
