//! End-to-end tests: the real `nhiscope` binary, run as a user would.

mod aws;
mod bad_inputs;
mod ci;
mod corpus;
mod demo_estate;
mod graph;
mod history;
mod interrupts;
mod kubernetes;
mod secrets;
mod support;
mod tui;
