//! Figures derived from the contract's types, pure: what the report, the diff and the history all show alike.

use crate::result::campaign::{CampaignStatus, Outcome};

/// A campaign in a few figures, as the history keeps it: what left, what a person answered and how fast.
pub fn campaign_summary(status: &CampaignStatus) -> crate::result::CampaignSummary {
    let sent = status
        .probes
        .iter()
        .filter(|p| p.sent_at.is_some() || p.bounced)
        .count() as u32;
    let mut delays: Vec<f64> = status
        .probes
        .iter()
        .filter(|p| p.outcome == Outcome::Answered)
        .filter_map(|p| p.human_delay_hours)
        .collect();
    delays.sort_by(f64::total_cmp);
    let median = match delays.len() {
        0 => None,
        n if n % 2 == 1 => Some(delays[n / 2]),
        n => Some((delays[n / 2 - 1] + delays[n / 2]) / 2.0),
    };
    crate::result::CampaignSummary {
        id: status.id,
        sent,
        answered: delays.len() as u32,
        median_human_delay_hours: median,
        slowest_human_delay_hours: delays.last().copied(),
        promise_hours: status.promise_hours,
    }
}
