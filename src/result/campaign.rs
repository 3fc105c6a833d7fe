//! The mystery-shopper campaign as `audit.json` (`campaign`) and `campaign status --json` carry it: serde types and
//! the closed sets of words they use (probe state, outcome, reply class), serialised to the same strings as ever.
//! Like the rest of the contract this imports no stage; the computing (delays, outcomes, the status summary) is in
//! `crate::campaign`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares a kebab-case word enum with its string form both ways (serde, `as_str`, `FromStr`, `Display`).
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;

            fn from_str(text: &str) -> Result<Self, UnknownWord> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownWord { what: stringify!($name), text: text.to_string() }),
                }
            }
        }

        /// The serialised word; padding and alignment (`{:<9}`) are honoured.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

/// A word that is not one of the set, when reading one back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a {what}")]
pub struct UnknownWord {
    pub what: &'static str,
    pub text: String,
}

words! {
    /// Where a probe is in its sending.
    ProbeState {
        /// Stored, waiting for its time (or for a retry).
        Planned = "planned",
        /// Claimed by a sender; the SMTP exchange may be under way.
        Sending = "sending",
        /// Accepted by the SMTP server (or confirmed later by its copy or a reply).
        Sent = "sent",
        /// Refused for good, or out of retries.
        Failed = "failed",
        /// Its sender died (or its claim ran out) mid-exchange: it may have left; never sent again.
        Uncertain = "uncertain",
    }
}

words! {
    /// What came of a probe, judged at an instant.
    Outcome {
        /// A person answered within the deadline.
        Answered = "answered",
        /// Sent, the deadline passed, no human answer within it.
        NoAnswer = "no-answer",
        /// Sent, still within the deadline.
        Pending = "pending",
        /// The address bounced.
        Bounced = "bounced",
        /// Never left: refused by the SMTP server.
        Failed = "failed",
        /// Not sent yet.
        NotSent = "not-sent",
    }
}

words! {
    /// What a message tied to a probe is.
    ReplyClass {
        /// An automatic acknowledgement.
        Ack = "ack",
        /// A person's answer.
        Human = "human",
        /// A delivery failure report.
        Bounce = "bounce",
    }
}

/// How good a human answer is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// "Bonjour Madame Dupont": the persona's name in the first lines.
    pub greets_by_name: bool,
    /// Share of the question's points the answer covers (0..1).
    pub answers_question: f64,
    /// A person's name signs it, not only "Le service client".
    pub signed_by_person: bool,
    /// Gives a phone number, a link or another address.
    pub gives_other_channel: bool,
    pub words_checked: u32,
    pub spelling_mistakes: u32,
}

/// One probe as `campaign status` and `audit.json` show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProbeStatus {
    pub id: i64,
    pub to: String,
    pub scenario: String,
    /// The scenario's name per language, for the report.
    #[serde(default)]
    pub scenario_title: BTreeMap<String, String>,
    pub state: ProbeState,
    pub send_after: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub failure: Option<String>,
    pub bounced: bool,
    pub first_ack_at: Option<String>,
    pub first_human_at: Option<String>,
    pub ack_delay_hours: Option<f64>,
    pub human_delay_hours: Option<f64>,
    /// The human answer's delay counted only during the shop's opening hours.
    pub business_hours_delay: Option<f64>,
    pub ack_business_hours_delay: Option<f64>,
    pub outcome: Outcome,
    pub replies: Vec<ReplyStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReplyStatus {
    pub arrived_at: String,
    pub class: ReplyClass,
    /// How it was tied to the probe: in-reply-to, plus-address, token, quoted-text, sender-domain,
    /// bounced-message-id.
    pub matched_by: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// A [`Quality`] for human answers, kept as written.
    pub quality: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CampaignStatus {
    pub id: i64,
    pub shop: String,
    pub created_at: String,
    pub deadline_hours: f64,
    pub promise_hours: Option<f64>,
    pub promise_business_hours: bool,
    pub probes: Vec<ProbeStatus>,
    /// Set while some probe still waits (see [`ProbeStatus::is_waiting`]): the campaign is not finished, and will
    /// be at this instant at the latest, written in the shop's time zone (RFC 3339 with its offset). None: finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_until: Option<String>,
}

impl ProbeStatus {
    /// Not settled yet: not sent yet (and not failed), or sent and still inside its deadline with no human answer.
    pub fn is_waiting(&self) -> bool {
        self.outcome == Outcome::Pending
            || (self.outcome == Outcome::NotSent && self.state == ProbeState::Planned)
    }
}

impl CampaignStatus {
    /// How many probes still wait for their fate.
    pub fn waiting(&self) -> usize {
        self.probes.iter().filter(|p| p.is_waiting()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_and_write_as_before() {
        for state in ProbeState::ALL {
            let json = serde_json::to_string(state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(state.as_str().parse::<ProbeState>().unwrap(), *state);
        }
        let outcomes: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(
            outcomes,
            [
                "answered",
                "no-answer",
                "pending",
                "bounced",
                "failed",
                "not-sent"
            ]
        );
        assert_eq!(
            serde_json::to_string(&Outcome::NoAnswer).unwrap(),
            "\"no-answer\""
        );
        assert_eq!(
            serde_json::from_str::<ReplyClass>("\"human\"").unwrap(),
            ReplyClass::Human
        );
        assert!("ack-only".parse::<Outcome>().is_err());
        assert_eq!(format!("[{:<9}]", ProbeState::Sent), "[sent     ]");
    }
}
