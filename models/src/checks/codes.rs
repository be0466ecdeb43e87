//! The finding codes, declared once. docs/checks.md documents every one.

use super::Severity;
use serde::{Deserialize, Serialize};

macro_rules! finding_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $severity:ident, $description:literal; )*) => {
        /// Every finding code Charter reports. `as_str()` is the stable code
        /// written in findings (`Finding.code`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        pub enum FindingCode {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )*
        }

        impl FindingCode {
            /// Every code, errors first, in documentation order.
            pub const ALL: &'static [FindingCode] = &[ $( FindingCode::$variant, )* ];

            /// The stable kebab-case code, e.g. `double-write`.
            pub fn as_str(self) -> &'static str {
                match self { $( FindingCode::$variant => $code, )* }
            }

            /// The severity of findings with this code.
            pub fn severity(self) -> Severity {
                match self { $( FindingCode::$variant => Severity::$severity, )* }
            }

            /// What the code means, in one line.
            pub fn description(self) -> &'static str {
                match self { $( FindingCode::$variant => $description, )* }
            }

            /// The code with this kebab-case name.
            pub fn from_code(code: &str) -> Option<FindingCode> {
                match code { $( $code => Some(FindingCode::$variant), )* _ => None }
            }
        }
    };
}

finding_codes! {
    DuplicateId = "duplicate-id", Error,
        "two systems, entities, flows or rules share one id";
    NoOwner = "no-owner", Error,
        "an entity has no owner: nobody is the source of truth";
    UnknownOwner = "unknown-owner", Error,
        "an entity's owner is not a system of the model";
    UnknownReference = "unknown-reference", Error,
        "a flow, entity or rule names a system, entity, flow or field the model does not have";
    DoubleWrite = "double-write", Error,
        "an event about an entity is sent by a system that does not own it: a second writer";
    RequestNotToOwner = "request-not-to-owner", Error,
        "a request about an entity goes to a system that does not own it";
    ConditionSyntax = "condition-syntax", Error,
        "a rule's CEL condition does not parse";
    ConditionUnknownField = "condition-unknown-field", Error,
        "a rule's condition names something that is not a field of its entity";
    ConditionUnknownFunction = "condition-unknown-function", Error,
        "a rule's condition calls a function CEL does not have";
    ConditionTypeMismatch = "condition-type-mismatch", Error,
        "a rule's condition compares or combines values of incompatible types, or is not true/false";
    LiteralSecret = "literal-secret", Error,
        "the model holds a literal secret (password, token, key, user:pass@ URL) instead of a credential reference";
    ZeroAckDeadline = "zero-ack-deadline", Error,
        "a flow's ackWithinSeconds is 0: every delivery would be overdue the moment it is made";
    ReconcileTooFewSystems = "reconcile-too-few-systems", Error,
        "a reconcile rule names fewer than two distinct systems: there is nothing to compare";
    KeyNotAField = "key-not-a-field", Error,
        "an entity's key is empty, or is not one of the fields the entity declares";
    UnacknowledgedFlow = "unacknowledged-flow", Warning,
        "a flow does not require the receiver's acknowledgement: failures stay silent";
    StaleCopy = "stale-copy", Warning,
        "a system holds a copy of an entity that no flow from the owner keeps up to date";
    UndeclaredCopy = "undeclared-copy", Warning,
        "an event flow delivers an entity to a system not declared as a copy holder";
    OwnerListedAsCopy = "owner-listed-as-copy", Warning,
        "an entity's owner is also listed among its copy holders";
    EventEcho = "event-echo", Warning,
        "event flows of one entity form a loop that can echo a change back to where it came from";
    MissingIdempotencyKey = "missing-idempotency-key", Warning,
        "a flow into a system with side effects has no idempotency key: a replay repeats the effect";
    UnreconciledMoney = "unreconciled-money", Warning,
        "a monetary entity is held by two or more systems and some holders are in no reconcile rule that checks they agree";
    AckDeadlineWithoutAck = "ack-deadline-without-ack", Warning,
        "a flow sets ackWithinSeconds but does not require an acknowledgement: the deadline is never enforced";
    UnmeasurableAlert = "unmeasurable-alert", Warning,
        "an ack-rate or latency-seconds alert watches a flow without ack: it can never be measured, so it never fires";
    ReconcileNonHolder = "reconcile-non-holder", Warning,
        "a reconcile rule names a system that neither owns nor holds a copy of the entity: it never reports it";
    UserTriggeredEvent = "user-triggered-event", Warning,
        "an event (an announcement by the owner) is triggered by a user: that is a request";
    SystemTriggeredRequest = "system-triggered-request", Warning,
        "a request (someone asking the owner) is triggered by a system: that is usually an event";
    MissingSchedule = "missing-schedule", Warning,
        "a flow triggered on a schedule does not say its schedule";
    MissingEndpoint = "missing-endpoint", Warning,
        "a system used by flows has no endpoint for a declared environment";
    UnknownEnvironment = "unknown-environment", Warning,
        "a system has an endpoint for an environment the model does not declare";
    NoSteward = "no-steward", Info,
        "an entity has no steward: nobody is accountable for its data";
    NoConsistencyWindow = "no-consistency-window", Info,
        "an entity does not say how stale its copies may be";
    UnusedSystem = "unused-system", Info,
        "a system that no entity, flow or rule mentions";
}
