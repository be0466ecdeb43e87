//! "Try a rule": one condition evaluated on one sample record exactly as the
//! gate evaluates it (the same contract check, the same typed values, the
//! same [`Condition`]), for the condition builder in the app. Nothing here
//! decides a message: it answers "what would this condition say about this
//! record?".

use crate::contract::Contract;
use crate::expr::{resolve_slots, Condition, SlotTable};
use serde_json::{Map, Value};

/// What the runtime says about a sample record for one condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trial {
    /// The condition holds: a validate rule lets the record through, a route
    /// rule routes it.
    Holds,
    /// The condition does not hold: a validate rule applies its action, a
    /// route rule does not route.
    Fails,
    /// The condition cannot be evaluated on this record (a missing field, a
    /// type error, a division by zero). The gate treats this as "does not
    /// hold": a validate rule applies its action, a route rule does not route.
    Error(String),
    /// The record breaks the entity's contract, so the gate refuses it
    /// (`reject`, `schema`) before any rule runs.
    Contract { field: String, detail: String },
    /// The condition is not one the runtime can compile.
    Invalid(String),
}

/// Evaluates `condition` on `record`, an instance of the entity whose JSON
/// Schema (as export writes it) is `schema`. `upsert` asks for the contract
/// of an upsert (required fields present); otherwise only the fields given
/// are checked, as for a request or a delete.
pub fn try_condition(
    schema: &Value,
    condition: &str,
    record: &Map<String, Value>,
    upsert: bool,
) -> Trial {
    let mut slots = SlotTable::with_types(schema);
    let contract = Contract::from_schema(schema, &mut slots);
    let cond = match Condition::compile(condition, &mut slots) {
        Ok(c) => c,
        Err(message) => return Trial::Invalid(message),
    };
    let mut values = vec![None; slots.len()];
    resolve_slots(&slots, record, &mut values);
    if let Some(breach) = contract.check(&values, record, upsert) {
        return Trial::Contract {
            field: breach.field,
            detail: breach.detail,
        };
    }
    match cond.eval_bool(&values, record) {
        Ok(true) => Trial::Holds,
        Ok(false) => Trial::Fails,
        Err(e) => Trial::Error(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "sku": {"type": "string"},
                "quantity": {"type": "integer"},
                "price": {"type": "number"},
                "status": {"type": "string", "enum": ["open", "held"]}
            },
            "required": ["sku", "quantity"]
        })
    }

    fn run(condition: &str, record: Value) -> Trial {
        try_condition(&schema(), condition, record.as_object().unwrap(), true)
    }

    #[test]
    fn holds_and_fails_as_cel_says() {
        assert_eq!(
            run("quantity >= 0", json!({"sku": "A", "quantity": 3})),
            Trial::Holds
        );
        assert_eq!(
            run("quantity >= 0", json!({"sku": "A", "quantity": -1})),
            Trial::Fails
        );
        // A number field is a double even when sent as a whole number.
        assert_eq!(
            run(
                "price > 2.5",
                json!({"sku": "A", "quantity": 1, "price": 3})
            ),
            Trial::Holds
        );
        assert_eq!(
            run(
                "status in ['open']",
                json!({"sku": "A", "quantity": 1, "status": "held"})
            ),
            Trial::Fails
        );
    }

    #[test]
    fn a_missing_field_is_an_error_not_a_verdict() {
        match run("price > 1.0", json!({"sku": "A", "quantity": 1})) {
            Trial::Error(m) => assert!(m.contains("price"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_contract_comes_first() {
        assert_eq!(
            run("quantity >= 0", json!({"sku": "A", "quantity": 2.5})),
            Trial::Contract {
                field: "quantity".into(),
                detail: "field `quantity` must be an integer, found 2.5".into()
            }
        );
        // Required fields are only required of upserts.
        let partial = json!({"quantity": 1});
        assert!(matches!(
            run("quantity >= 0", partial.clone()),
            Trial::Contract { .. }
        ));
        assert_eq!(
            try_condition(
                &schema(),
                "quantity >= 0",
                partial.as_object().unwrap(),
                false
            ),
            Trial::Holds
        );
    }

    #[test]
    fn a_condition_the_runtime_cannot_compile_is_invalid() {
        assert!(matches!(
            run("quantity >=", json!({"sku": "A", "quantity": 1})),
            Trial::Invalid(_)
        ));
    }
}
