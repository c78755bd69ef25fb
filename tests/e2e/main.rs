//! End-to-end tests: the real `nhiscope` binary, run as a user would.

mod bad_inputs;
mod demo_estate;
mod interrupts;
mod secrets;
mod support;
