//! The binary's plumbing shared by the commands: output formats, branding and the manifest ([`outputs`]), the
//! progress bar ([`progress`]).

pub mod outputs;
pub mod progress;
