//! Stages 2 and 3: page facts (one document → [`crate::result::PageFacts`]) and site facts (pages →
//! [`crate::result::SiteFacts`]). Synchronous and pure: no I/O, no async.

pub mod address;
pub mod calendar;
pub mod candidates;
pub mod hours;
pub mod language;
pub mod legal;
pub mod lexicon;
pub mod observations;
pub mod observe;
pub mod page;
pub mod postcode;
pub mod promise;
pub mod readers;
pub mod scripted;
pub mod site;
pub mod spelling;
