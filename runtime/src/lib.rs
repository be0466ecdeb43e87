//! charter-runtime: enforces a `charter-config/1` on traffic.
//!
//! # Loading
//! [`Compiled::load_file`] reads a configuration, refuses an unknown `format`
//! or a digest that does not match the document ([`LoadError`], one line
//! naming the file), then resolves every system, entity and flow to an index
//! and compiles every CEL condition once ([`expr`]).
//!
//! # Deciding
//! [`Engine::decide`] takes one parsed [`Message`] and returns one
//! [`Decision`], in the order of events.md:
//! 1. not a valid message → `invalid` (done by the caller that parses:
//!    [`replay`] and the server);
//! 2. unknown entity → `reject`/`unknown-entity`; unknown source system →
//!    `reject`/`unknown-system`;
//! 3. an id already seen → `duplicate`. Every message that reaches this step
//!    is remembered, whatever its later decision (so a re-sent rejected
//!    message is a `duplicate`). The memory is bounded: at least the last
//!    2,097,152 distinct ids (up to twice that), 64 MiB; see [`dedupe`];
//! 4. an `event` from a system that is not the owner → `reject`/`not-owner`;
//!    a `state` from a system that neither owns nor holds a copy →
//!    `reject`/`not-holder`; other states are `observe`d;
//! 5. `validate` rules of the entity, in configuration order, on events and
//!    requests (not on `delete` events, which carry no record): a rule whose
//!    condition is false **or cannot be evaluated** (missing field, wrong type)
//!    fails; `reject`/`quarantine` decide at once (reason `rule`, the rule's
//!    id); `flag` is recorded (the first flagging rule) and evaluation goes on;
//! 6. an event is delivered to every event-flow target for the entity from
//!    the source (flow order), then to the targets of every `route` rule whose
//!    condition holds (rule order; a condition that cannot be evaluated does
//!    not match), without repeats and never back to the source; a request is
//!    delivered to the owner only. The decision is `flag` when a rule flagged,
//!    else `accept`. Deliveries carry the flow's idempotency key value
//!    (`null` when the flow declares a key the message lacks; route-only
//!    targets carry none).
//!
//! # Reconciliation
//! See [`reconcile`]: per rule and key, latest report of each side; mismatch
//! and silence judged against the latest message time.
//!
//! # Serving
//! See [`server`] (HTTP gate), [`identity`] (who is speaking at the gate:
//! tokens, client certificates, `source-mismatch`) and [`declog`] (decision
//! log format, fsync before response, crash recovery).

pub mod acks;
pub mod alerts;
pub mod contract;
pub mod declog;
pub mod dedupe;
pub mod engine;
pub mod expr;
pub mod identity;
pub mod incidents;
#[cfg(feature = "jetstream")]
pub mod jetstream;
pub mod load;
pub mod message;
pub mod ordering;
pub mod reconcile;
pub mod replay;
pub mod server;
pub mod time;
pub mod trial;

pub use alerts::Alert;
pub use engine::{
    Counts, Decision, Delivery, Engine, FlowReport, KeyValue, Limits, Reason, Summary, Verdict,
};
pub use incidents::Incident;
pub use load::{Compiled, LoadError};
pub use message::{parse_message, AckOf, Kind, Message};
pub use reconcile::{Cause, Exception};
