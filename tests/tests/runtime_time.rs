//! Property tests of the runtime's time types: every instant and date survives the text,
//! JSON and query forms, and explicit offsets are normalised to UTC.

use chrono::{Datelike, FixedOffset, NaiveDate, Utc};
use conversocial::runtime::Query;
use conversocial::{Date, DateTime, Timestamp};
use proptest::prelude::*;

fn any_utc() -> impl Strategy<Value = chrono::DateTime<Utc>> {
    // years 1..=9999, the four-digit years the wire format carries, with any sub-second part
    (-62_135_596_800i64..253_402_300_799, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| chrono::DateTime::from_timestamp(secs, nanos).unwrap())
}

proptest! {
    #[test]
    fn timestamp_round_trips(t in any_utc()) {
        let ts = Timestamp::from(t);
        let text = ts.to_string();
        prop_assert!(!text.ends_with('Z') && !text.contains('+'), "zone-less: {}", text);
        prop_assert_eq!(text.len() == 19, t.timestamp_subsec_nanos() == 0, "fraction only when non-zero: {}", text);
        prop_assert_eq!(text.parse::<Timestamp>().unwrap(), ts);
        let json = serde_json::to_string(&ts).unwrap();
        prop_assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), ts);
        prop_assert_eq!(ts.to_chrono(), t);
        // Query strings carry whole seconds, the API's documented form.
        let mut q = Query::new();
        q.push("t", &ts);
        prop_assert_eq!(q.to_string(), format!("t={}", text[..19].replace(':', "%3A")));
    }

    #[test]
    fn date_time_round_trips(t in any_utc()) {
        let dt = DateTime::from(t);
        let text = dt.to_string();
        prop_assert!(text.ends_with('Z'));
        prop_assert_eq!(text.parse::<DateTime>().unwrap(), dt);
        let json = serde_json::to_string(&dt).unwrap();
        prop_assert_eq!(serde_json::from_str::<DateTime>(&json).unwrap(), dt);
        prop_assert_eq!(Timestamp::from(dt), Timestamp::from(t));
    }

    #[test]
    fn offsets_normalise_to_utc(t in any_utc(), minutes in -(23 * 60 + 59)..=(23 * 60 + 59i32), colon in any::<bool>()) {
        let local = t.with_timezone(&FixedOffset::east_opt(minutes * 60).unwrap());
        prop_assume!((1..=9999).contains(&local.year()));
        let format = if colon { "%Y-%m-%dT%H:%M:%S%.f%:z" } else { "%Y-%m-%dT%H:%M:%S%.f%z" };
        let text = local.format(format).to_string();
        prop_assert_eq!(text.parse::<Timestamp>().unwrap().to_chrono(), t, "{}", text);
        prop_assert_eq!(text.parse::<DateTime>().unwrap().to_chrono(), t, "{}", text);
    }

    #[test]
    fn date_round_trips(days in 0i64..3_652_059) {
        let d = Date::from(NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Duration::days(days));
        let text = d.to_string();
        prop_assert_eq!(text.len(), 10);
        prop_assert_eq!(text.parse::<Date>().unwrap(), d);
        let json = serde_json::to_string(&d).unwrap();
        prop_assert_eq!(serde_json::from_str::<Date>(&json).unwrap(), d);
    }

    #[test]
    fn garbage_never_panics(text in "\\PC{0,40}") {
        let _ = text.parse::<Timestamp>();
        let _ = text.parse::<DateTime>();
        let _ = text.parse::<Date>();
    }

    #[test]
    fn near_misses_never_panic(base in any_utc(), cut in 0usize..40, junk in "[0-9:+\\-.TZz ]{0,8}") {
        let text = Timestamp::from(base).to_string();
        let mangled = format!("{}{}", &text[..cut.min(text.len())], junk);
        let _ = mangled.parse::<Timestamp>();
    }
}
