//! Benchmark 1: decoding a page of 50 conversations with side-loaded content, the
//! generated types through the client's decode path against hand-written serde structs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use conversocial::models::ConversationList;
use serde::de::DeserializeOwned;

use crate::baseline;
use crate::callgrind;
use crate::fixture;
use crate::report::{Report, Row, Status};
use crate::stats::{Summary, summarize};

/// The body-to-value steps of `Client::execute` (tolerant, the default): the runtime's
/// own `decode_json_tolerant`, whose fast path is plain serde.
pub fn runtime_decode<T: DeserializeOwned>(body: &[u8]) -> T {
    let (value, drift) = conversocial::decode_json_tolerant(body).expect("the page decodes");
    assert!(drift.is_empty(), "the clean page has no drift");
    value
}

/// Median nanoseconds of one tolerant decode of `body`, which must report `drifts` drifts.
fn time_drifted(body: &[u8], drifts: usize, rounds: usize, budget: Duration) -> Summary {
    let (_, drift): (ConversationList, _) =
        conversocial::decode_json_tolerant(body).expect("a drifted page still decodes");
    assert_eq!(drift.len(), drifts, "{drift:?}");
    let mut ns = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < budget || n == 0 {
            black_box(conversocial::decode_json_tolerant::<ConversationList>(black_box(body)).ok());
            n += 1;
        }
        ns.push(start.elapsed().as_nanos() as f64 / f64::from(n));
    }
    summarize(&ns)
}

/// The page with `content[].sentiment.created_by` a name instead of a `UserRef`, in the
/// first `count` content items (the drift issue 10 was filed for); and how many drifts
/// that makes.
fn drifted_page(body: &[u8], count: usize) -> (Vec<u8>, usize) {
    let mut page: serde_json::Value = serde_json::from_slice(body).expect("the page is JSON");
    let mut drifted = 0;
    if let Some(content) = page.get_mut("content").and_then(serde_json::Value::as_array_mut) {
        for item in content.iter_mut().take(count) {
            item["sentiment"] = serde_json::json!({"value": 1, "created_by": "Sam Agent"});
            drifted += 1;
        }
    }
    (page.to_string().into_bytes(), drifted)
}

/// The runtime's test for a `"success"` key anywhere in the body.
fn envelope_scan(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"\"success\"").is_some()
}

#[derive(Clone, Copy)]
enum Variant {
    /// Hand-written structs, `serde_json::from_slice`.
    Baseline,
    /// Generated `ConversationList` through the runtime's decode path.
    Runtime,
    /// Generated `ConversationList` with plain `serde_json::from_slice` (no path tracking,
    /// no envelope scan): separates the cost of the types from the cost of the path.
    PlainGenerated,
    /// The envelope scan alone.
    Scan,
}

fn once(variant: Variant, body: &[u8]) {
    match variant {
        Variant::Baseline => {
            let page: baseline::ConversationList = serde_json::from_slice(body).expect("baseline decodes");
            black_box(page);
        }
        Variant::Runtime => {
            black_box(runtime_decode::<ConversationList>(body));
        }
        Variant::PlainGenerated => {
            let page: ConversationList = serde_json::from_slice(body).expect("generated types decode");
            black_box(page);
        }
        Variant::Scan => {
            black_box(envelope_scan(black_box(body)));
        }
    }
}

/// Nanoseconds per call of `variant`, over `iters` calls.
fn sample(variant: Variant, body: &[u8], iters: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        once(variant, black_box(body));
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// The decode benchmark; `smoke` runs a handful of rounds.
pub fn run(smoke: bool) -> Report {
    let body = page();
    assert!(!envelope_scan(&body), "the fixture must not contain a \"success\" key");
    check_equivalent(&body);

    let (rounds, sample_time, warm_up) = if smoke {
        (5, Duration::from_millis(4), Duration::from_millis(30))
    } else {
        (61, Duration::from_millis(60), Duration::from_millis(1500))
    };
    // warm up every variant and size the inner loop from the baseline's speed
    let warm_start = Instant::now();
    let mut calls = 0u32;
    while warm_start.elapsed() < warm_up {
        for v in [Variant::Baseline, Variant::Runtime, Variant::PlainGenerated] {
            once(v, &body);
        }
        calls += 1;
    }
    let per_call = warm_start.elapsed().as_secs_f64() / f64::from(calls.max(1)) / 3.0;
    let iters = ((sample_time.as_secs_f64() / per_call) as u32).max(1);
    let scan_iters = iters.saturating_mul(8);

    let variants = [Variant::Baseline, Variant::Runtime, Variant::PlainGenerated];
    let mut ns: [Vec<f64>; 3] = Default::default();
    let mut scan = Vec::new();
    let mut ratio_runtime = Vec::new();
    let mut ratio_plain = Vec::new();
    for round in 0..rounds {
        // rotate the order, so that no variant always runs first (or right after another)
        let mut this_round = [0.0; 3];
        for k in 0..3 {
            let i = (round + k) % 3;
            this_round[i] = sample(variants[i], &body, iters);
        }
        for i in 0..3 {
            ns[i].push(this_round[i]);
        }
        ratio_runtime.push(this_round[1] / this_round[0]);
        ratio_plain.push(this_round[2] / this_round[0]);
        scan.push(sample(Variant::Scan, &body, scan_iters));
    }

    let base = summarize(&ns[0]);
    let runtime = summarize(&ns[1]);
    let plain = summarize(&ns[2]);
    let scan = summarize(&scan);
    let ratio = summarize(&ratio_runtime);
    let ratio_plain = summarize(&ratio_plain);
    let mb = body.len() as f64 / 1e6;
    let mbps = |ns: f64| mb / (ns / 1e9);
    let us = |ns: f64| format!("{:.0} µs", ns / 1e3);
    let x = |r: f64| format!("{r:.3}×");
    let spread_mbps = |s: &Summary| format!("p5–p95 {:.0}–{:.0} MB/s (n={})", mbps(s.p95), mbps(s.p5), s.n);

    let rows = vec![
        Row::new(
            "decode time, generated (client path) ÷ hand-written",
            format!("{} ({} vs {} per page)", x(ratio.median), us(runtime.median), us(base.median)),
            format!("per-round ratio {}", ratio.spread(x)),
            "≤ 1.05×",
            Status::check(ratio.median <= 1.05),
        ),
        Row::info(
            "throughput, hand-written serde",
            format!("{:.0} MB/s", mbps(base.median)),
            spread_mbps(&base),
        ),
        Row::info(
            "throughput, generated (client path)",
            format!("{:.0} MB/s", mbps(runtime.median)),
            spread_mbps(&runtime),
        ),
        Row::info(
            "breakdown: generated types, plain from_slice ÷ hand-written",
            format!("{} ({} per page)", x(ratio_plain.median), us(plain.median)),
            format!("per-round ratio {}", ratio_plain.spread(x)),
        ),
        Row::info(
            "breakdown: `\"success\"` envelope scan alone",
            format!("{:.1} µs per page", scan.median / 1e3),
            scan.spread(|v| format!("{:.1} µs", v / 1e3)),
        ),
    ];
    let mut rows = rows;
    let (drift_rounds, drift_budget) =
        if smoke { (3, Duration::from_millis(5)) } else { (21, Duration::from_millis(60)) };
    let (one, _) = drifted_page(&body, 1);
    let (every, drifts) = drifted_page(&body, usize::MAX);
    let one = time_drifted(&one, 1, drift_rounds, drift_budget);
    let every = time_drifted(&every, drifts, drift_rounds, drift_budget);
    rows.push(Row::info(
        "a page with one drifted field (tolerant decode, repaired) ÷ the clean page",
        format!("{} ({} per page)", x(one.median / runtime.median), us(one.median)),
        format!("p5–p95 {}–{}", us(one.p5), us(one.p95)),
    ));
    rows.push(Row::info(
        format!("a page with {drifts} drifted fields (every content item) ÷ the clean page"),
        format!("{} ({} per page)", x(every.median / runtime.median), us(every.median)),
        format!("p5–p95 {}–{}", us(every.p5), us(every.p95)),
    ));
    if !smoke && callgrind::available() {
        eprintln!("  decode: counting instructions under callgrind");
        let count = |variant: &'static str| {
            callgrind::per_unit(|n| vec!["decode-profile".into(), variant.into(), n.to_string()], 5, 25)
        };
        if let (Some(base), Some(runtime), Some(plain)) =
            (count("baseline"), count("runtime"), count("plain"))
        {
            rows.push(Row::info(
                "instructions per page (callgrind, load-independent): client path ÷ hand-written",
                format!("{:.3}× ({:.2} M vs {:.2} M)", runtime / base, runtime / 1e6, base / 1e6),
                format!("generated types with plain from_slice: {:.3}× ({:.2} M)", plain / base, plain / 1e6),
            ));
        }
    }
    let page = serde_json::from_slice::<baseline::ConversationList>(&body).expect("decodes");
    let notes = vec![
        format!(
            "Page: {} conversations and {} side-loaded content items, {:.0} KB of JSON; {rounds} rounds, each \
         timing {iters} decodes of every variant in rotating order; ratios are taken per round, then the median.",
            page.conversations.len(),
            page.content.as_ref().map_or(0, Vec::len),
            body.len() as f64 / 1e3,
        ),
        "The client path is `conversocial::decode_json_tolerant`, the function a tolerant \
        `Client::execute` (the default) decodes with; `overhead` exercises it end to end through HTTP. A \
        body that matches the schema takes plain serde's path; only a body that does not is read into a \
        `serde_json::Value` and decoded again once per repair (the drifted rows)."
            .to_owned(),
    ];
    Report { benchmark: "decode", title: "1. Decode throughput".to_owned(), rows, notes }
}

/// `bench decode-profile VARIANT CALLS`: decodes the page `CALLS` times with one variant
/// (`baseline`, `runtime`, `plain` or `scan`) and nothing else, for a profiler:
/// `valgrind --tool=callgrind target/release/bench decode-profile runtime 20`.
pub fn profile(variant: &str, calls: u32) -> Result<(), String> {
    let variant = match variant {
        "baseline" => Variant::Baseline,
        "runtime" => Variant::Runtime,
        "plain" => Variant::PlainGenerated,
        "scan" => Variant::Scan,
        other => return Err(format!("unknown variant {other:?}: baseline, runtime, plain or scan")),
    };
    let body = page();
    for _ in 0..calls {
        once(variant, black_box(&body));
    }
    Ok(())
}

/// The benchmark's page: 50 conversations with side-loaded content.
fn page() -> Vec<u8> {
    let next = "https://api.conversocial.com/v1.3/conversations?status=unread&include=content&page_size=50&oldest_sort_date_gt=2024-06-01T10%3A00%3A00";
    fixture::conversation_page(0, 50, Some(next)).to_string().into_bytes()
}

/// Both decodings see the same data (counts, text, timestamps).
fn check_equivalent(body: &[u8]) {
    let base: baseline::ConversationList = serde_json::from_slice(body).expect("baseline decodes");
    let generated: ConversationList = runtime_decode(body);
    assert_eq!(base.conversations.len(), generated.conversations.len());
    let base_content = base.content.unwrap_or_default();
    let gen_content = generated.content.unwrap_or_default();
    assert_eq!(base_content.len(), gen_content.len());
    for (b, g) in base_content.iter().zip(&gen_content) {
        assert_eq!(b.text, g.text);
        assert_eq!(b.created_date.map(|t| t.0), g.created_date.map(|t| t.naive_utc()));
        assert_eq!(b.id, g.id.as_str());
    }
    for (b, g) in base.conversations.iter().zip(&generated.conversations) {
        assert_eq!(b.oldest_sort_date.map(|t| t.0), g.oldest_sort_date.map(|t| t.naive_utc()));
        assert_eq!(b.status.as_deref(), g.status.as_ref().map(|s| s.as_str()));
    }
}
