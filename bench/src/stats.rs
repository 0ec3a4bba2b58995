//! Summaries of repeated measurements: median and percentiles, never a mean alone.

use serde::Serialize;

/// Order statistics of a set of samples.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub n: usize,
    pub median: f64,
    pub p5: f64,
    pub p95: f64,
    pub min: f64,
    pub max: f64,
}

/// Summarises `samples` (at least one).
pub fn summarize(samples: &[f64]) -> Summary {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    assert!(!sorted.is_empty(), "summarize needs at least one sample");
    Summary {
        n: sorted.len(),
        median: percentile(&sorted, 0.5),
        p5: percentile(&sorted, 0.05),
        p95: percentile(&sorted, 0.95),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
    }
}

/// Linear interpolation between the closest ranks of a sorted, non-empty slice.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = q * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

impl Summary {
    /// `p5–p95 a–b (n=N)`, each bound written with `show`.
    pub fn spread(&self, show: impl Fn(f64) -> String) -> String {
        format!("p5–p95 {}–{} (n={})", show(self.p5), show(self.p95), self.n)
    }
}

/// The median of `samples` (at least one).
pub fn median(samples: &[f64]) -> f64 {
    summarize(samples).median
}
