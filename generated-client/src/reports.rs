//! Waiting for a report: Conversocial generates reports in the background, so a report
//! just created is queued; [`Client::wait_for_report`] polls it until it is generated or
//! has failed. Hand-written: the generator knows nothing of report lifecycles.

use crate::models::{Report, ReportId};
use crate::{Client, Progress, WaitError, Waiter};

impl Client {
    /// Polls `getReport` for `id` until the report is generated (`generated_date` or
    /// `download` present: returned) or has failed (`failure` present:
    /// [`WaitError::Failed`] with the report, whose `failure` names the phase), within
    /// `waiter`'s deadline ([`WaitError::TimedOut`], with the last state seen). Each check
    /// is an ordinary request: it takes a rate-limiter slot and is retried as the client's
    /// retry policy says, and the deadline bounds that too.
    ///
    /// ```no_run
    /// # async fn run(client: conversocial::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use conversocial::models::{AccountId, ReportCreate, ReportCreateScope};
    /// use conversocial::{Date, Waiter};
    ///
    /// let body = ReportCreate {
    ///     scope: ReportCreateScope::Account(AccountId::from("14054")),
    ///     date_from: Date::from_ymd(2024, 1, 1).ok_or("date")?,
    ///     date_to: Date::from_ymd(2024, 1, 31).ok_or("date")?,
    ///     date_type: None,
    /// };
    /// let queued = client.create_report(&body).await?;
    /// let report = client.wait_for_report(&queued.id, Waiter::new(Duration::from_secs(600))).await?;
    /// println!("{:?}", report.download);
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_report(&self, id: &ReportId, waiter: Waiter) -> Result<Report, WaitError<Report>> {
        waiter
            .wait(|| async {
                let report = self.get_report(id).await?;
                Ok(if report.failure.is_some() {
                    Progress::Failed(report)
                } else if report.generated_date.is_some() || report.download.is_some() {
                    Progress::Done(report)
                } else {
                    Progress::Pending(report)
                })
            })
            .await
    }
}
