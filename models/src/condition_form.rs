//! CEL conditions built by a form, never typed as code.
//!
//! A [`ConditionForm`] is what the app's condition builder edits: clauses
//! (a field of the entity, an operator that suits the field's type and a
//! typed value, or another field to compare with), joined by *all* (`&&`) or
//! *any* (`||`), with optional groups one level deep whose clauses are joined
//! the other way (`total > 5000.0 || (currency == "SEK" && total > 50000.0)`).
//!
//! [`form_to_cel`] writes the CEL a validate or route rule keeps in the model
//! file (strings quoted and escaped, numbers written as the field's CEL type:
//! `integer` fields as CEL `int`, `number` fields as `double`), and
//! [`cel_to_form`] reads a condition back into a form when it has one of the
//! shapes `form_to_cel` writes (and a few equivalent ones: `active` for
//! `active == true`, `0 < quantity`), or `None` for anything else; the app
//! then shows the text read-only with a "rebuild with the form" option.
//!
//! Presence is written `has(data.field)`: the record is `data` at run time
//! (see the runtime's condition evaluator), and a missing field makes any
//! other comparison an evaluation error.

use crate::model::{Entity, Field, FieldType};
use cel::common::ast::{CallExpr, Expr, IdedExpr, LiteralValue};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How the items of a form (or of a group) are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Join {
    /// Every item must hold (`&&`).
    All,
    /// At least one item must hold (`||`).
    Any,
}

impl Join {
    /// The other join: a group inside a form joins its clauses this way.
    pub fn other(self) -> Join {
        match self {
            Join::All => Join::Any,
            Join::Any => Join::All,
        }
    }

    fn cel_operator(self) -> &'static str {
        match self {
            Join::All => "&&",
            Join::Any => "||",
        }
    }

    fn cel_function(self) -> &'static str {
        match self {
            Join::All => "_&&_",
            Join::Any => "_||_",
        }
    }
}

/// The operator of one clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ClauseOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `field in [values]`
    In,
    /// `!(field in [values])`
    NotIn,
    /// `has(data.field)`
    Present,
    /// `!has(data.field)`
    Absent,
    /// `field.contains(value)` (text)
    Contains,
    /// `field.startsWith(value)` (text)
    StartsWith,
    /// `field.endsWith(value)` (text)
    EndsWith,
    /// `field.matches(value)`: a regular expression (text)
    Matches,
}

impl ClauseOp {
    pub const ALL: [ClauseOp; 14] = [
        ClauseOp::Eq,
        ClauseOp::Ne,
        ClauseOp::Lt,
        ClauseOp::Le,
        ClauseOp::Gt,
        ClauseOp::Ge,
        ClauseOp::In,
        ClauseOp::NotIn,
        ClauseOp::Present,
        ClauseOp::Absent,
        ClauseOp::Contains,
        ClauseOp::StartsWith,
        ClauseOp::EndsWith,
        ClauseOp::Matches,
    ];

    /// The name used in the form (and in messages).
    pub fn as_str(self) -> &'static str {
        match self {
            ClauseOp::Eq => "eq",
            ClauseOp::Ne => "ne",
            ClauseOp::Lt => "lt",
            ClauseOp::Le => "le",
            ClauseOp::Gt => "gt",
            ClauseOp::Ge => "ge",
            ClauseOp::In => "in",
            ClauseOp::NotIn => "notIn",
            ClauseOp::Present => "present",
            ClauseOp::Absent => "absent",
            ClauseOp::Contains => "contains",
            ClauseOp::StartsWith => "startsWith",
            ClauseOp::EndsWith => "endsWith",
            ClauseOp::Matches => "matches",
        }
    }

    fn comparison(self) -> Option<&'static str> {
        Some(match self {
            ClauseOp::Eq => "==",
            ClauseOp::Ne => "!=",
            ClauseOp::Lt => "<",
            ClauseOp::Le => "<=",
            ClauseOp::Gt => ">",
            ClauseOp::Ge => ">=",
            _ => return None,
        })
    }

    fn text_method(self) -> Option<&'static str> {
        Some(match self {
            ClauseOp::Contains => "contains",
            ClauseOp::StartsWith => "startsWith",
            ClauseOp::EndsWith => "endsWith",
            ClauseOp::Matches => "matches",
            _ => return None,
        })
    }

    /// Whether the clause can compare the field with another field.
    pub fn takes_other_field(self) -> bool {
        self.comparison().is_some()
    }

    /// The operators that suit a field of this type, in the order a form
    /// offers them.
    pub fn for_type(t: FieldType) -> &'static [ClauseOp] {
        use ClauseOp::*;
        match t {
            FieldType::String => &[
                Eq, Ne, In, NotIn, Contains, StartsWith, EndsWith, Matches, Lt, Le, Gt, Ge,
                Present, Absent,
            ],
            FieldType::Integer | FieldType::Number => {
                &[Eq, Ne, Lt, Le, Gt, Ge, In, NotIn, Present, Absent]
            }
            FieldType::Boolean => &[Eq, Ne, Present, Absent],
            FieldType::Enum => &[Eq, Ne, In, NotIn, Present, Absent],
            FieldType::Date | FieldType::Datetime => {
                &[Eq, Ne, Lt, Le, Gt, Ge, In, NotIn, Present, Absent]
            }
        }
    }

    fn from_comparison(func: &str) -> Option<ClauseOp> {
        Some(match func {
            "_==_" => ClauseOp::Eq,
            "_!=_" => ClauseOp::Ne,
            "_<_" => ClauseOp::Lt,
            "_<=_" => ClauseOp::Le,
            "_>_" => ClauseOp::Gt,
            "_>=_" => ClauseOp::Ge,
            _ => return None,
        })
    }

    /// The operator with its sides swapped (`0 < x` is `x > 0`).
    fn flipped(self) -> ClauseOp {
        match self {
            ClauseOp::Lt => ClauseOp::Gt,
            ClauseOp::Le => ClauseOp::Ge,
            ClauseOp::Gt => ClauseOp::Lt,
            ClauseOp::Ge => ClauseOp::Le,
            other => other,
        }
    }
}

/// One clause: `field op value`, `field op otherField`, or a presence test.
/// Every key is always present (empty when unused), so that the TypeScript
/// type is the same both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Clause {
    /// A field of the entity.
    pub field: String,
    pub op: ClauseOp,
    /// The value, as typed in the form: a number for `integer`/`number`
    /// fields, `true`/`false` for `boolean` fields, text otherwise (an enum
    /// field's value is one of its `values`). Unused by `in`/`notIn`,
    /// `present`/`absent` and when `otherField` is set.
    pub value: String,
    /// The values of `in`/`notIn`, each typed like `value`.
    pub values: Vec<String>,
    /// Compare with this field of the entity instead of a value (comparison
    /// operators only), e.g. `reserved <= onHand`.
    pub other_field: Option<String>,
}

impl Clause {
    /// A clause comparing `field` with `value`.
    pub fn new(field: impl Into<String>, op: ClauseOp, value: impl Into<String>) -> Self {
        Clause {
            field: field.into(),
            op,
            value: value.into(),
            values: Vec::new(),
            other_field: None,
        }
    }
}

/// Clauses in parentheses, joined the other way than the form's items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConditionGroup {
    pub clauses: Vec<Clause>,
}

/// One item of a form: a clause or a group of clauses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ConditionItem {
    Clause(Clause),
    Group(ConditionGroup),
}

/// A condition as the form shows it: items joined by `join`. A group's
/// clauses are joined by `join.other()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConditionForm {
    pub join: Join,
    pub items: Vec<ConditionItem>,
}

/// Why a form does not make a condition. Messages are one line, for the form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConditionFormError {
    #[error("the condition has no clause: add one")]
    Empty,
    #[error("a group has no clause: add one or remove the group")]
    EmptyGroup,
    #[error("`{field}` is not a field of {entity}")]
    UnknownField { field: String, entity: String },
    #[error("`{op}` does not suit `{field}` ({field_type}); use one of: {allowed}")]
    UnsuitableOperator {
        field: String,
        op: &'static str,
        field_type: &'static str,
        allowed: String,
    },
    #[error("`{field}` is {field_type}: \"{value}\" is not {expected}")]
    BadValue {
        field: String,
        field_type: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("\"{value}\" is not a value of `{field}` (one of {values})")]
    NotAnEnumValue {
        field: String,
        value: String,
        values: String,
    },
    #[error("`{field}` {op}: give at least one value")]
    EmptyList { field: String, op: &'static str },
    #[error("`{field}` cannot be compared with `{other}` with `{op}`: {reason}")]
    BadFieldComparison {
        field: String,
        other: String,
        op: &'static str,
        reason: &'static str,
    },
}

/// Writes the CEL condition of a form, checking every clause against the
/// fields of `entity`. The result parses, and passes
/// [`crate::conditions::check_condition`] without problems.
pub fn form_to_cel(entity: &Entity, form: &ConditionForm) -> Result<String, ConditionFormError> {
    if form.items.is_empty() {
        return Err(ConditionFormError::Empty);
    }
    let many = form.items.len() > 1;
    let mut parts = Vec::with_capacity(form.items.len());
    for item in &form.items {
        match item {
            ConditionItem::Clause(c) => parts.push(clause_to_cel(entity, c)?),
            ConditionItem::Group(g) => {
                if g.clauses.is_empty() {
                    return Err(ConditionFormError::EmptyGroup);
                }
                let inner = g
                    .clauses
                    .iter()
                    .map(|c| clause_to_cel(entity, c))
                    .collect::<Result<Vec<_>, _>>()?;
                let joined = inner.join(&format!(" {} ", form.join.other().cel_operator()));
                if many && inner.len() > 1 {
                    parts.push(format!("({joined})"));
                } else {
                    parts.push(joined);
                }
            }
        }
    }
    Ok(parts.join(&format!(" {} ", form.join.cel_operator())))
}

fn field_of<'e>(entity: &'e Entity, name: &str) -> Result<&'e Field, ConditionFormError> {
    entity
        .field(name)
        .ok_or_else(|| ConditionFormError::UnknownField {
            field: name.to_string(),
            entity: entity.name.clone(),
        })
}

fn type_phrase(t: FieldType) -> &'static str {
    match t {
        FieldType::String => "text",
        FieldType::Integer => "an integer",
        FieldType::Number => "a number",
        FieldType::Boolean => "true/false",
        FieldType::Date => "a date",
        FieldType::Datetime => "a date and time",
        FieldType::Enum => "one of a list of values",
    }
}

fn clause_to_cel(entity: &Entity, c: &Clause) -> Result<String, ConditionFormError> {
    let field = field_of(entity, &c.field)?;
    let t = field.field_type;
    let allowed = ClauseOp::for_type(t);
    if !allowed.contains(&c.op) {
        return Err(ConditionFormError::UnsuitableOperator {
            field: c.field.clone(),
            op: c.op.as_str(),
            field_type: type_phrase(t),
            allowed: allowed
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let name = &c.field;
    if let Some(other) = &c.other_field {
        let Some(op) = c.op.comparison() else {
            return Err(ConditionFormError::BadFieldComparison {
                field: name.clone(),
                other: other.clone(),
                op: c.op.as_str(),
                reason: "only ==, !=, <, <=, > and >= compare two fields",
            });
        };
        let o = field_of(entity, other)?;
        if !comparable(t, o.field_type) {
            return Err(ConditionFormError::BadFieldComparison {
                field: name.clone(),
                other: other.clone(),
                op: c.op.as_str(),
                reason: "they hold different kinds of values",
            });
        }
        let ordered = !matches!(c.op, ClauseOp::Eq | ClauseOp::Ne);
        if ordered && (t == FieldType::Enum || o.field_type == FieldType::Enum) {
            return Err(ConditionFormError::BadFieldComparison {
                field: name.clone(),
                other: other.clone(),
                op: c.op.as_str(),
                reason: "enum values have no order",
            });
        }
        return Ok(format!("{name} {op} {other}"));
    }
    if let Some(op) = c.op.comparison() {
        let v = literal(field, &c.value)?;
        return Ok(format!("{name} {op} {v}"));
    }
    if let Some(method) = c.op.text_method() {
        return Ok(format!("{name}.{method}({})", quote(&c.value)));
    }
    match c.op {
        ClauseOp::In | ClauseOp::NotIn => {
            if c.values.is_empty() {
                return Err(ConditionFormError::EmptyList {
                    field: name.clone(),
                    op: c.op.as_str(),
                });
            }
            let list = c
                .values
                .iter()
                .map(|v| literal(field, v))
                .collect::<Result<Vec<_>, _>>()?
                .join(", ");
            if c.op == ClauseOp::In {
                Ok(format!("{name} in [{list}]"))
            } else {
                Ok(format!("!({name} in [{list}])"))
            }
        }
        ClauseOp::Present => Ok(format!("has(data.{name})")),
        _ => Ok(format!("!has(data.{name})")),
    }
}

fn comparable(a: FieldType, b: FieldType) -> bool {
    let numeric = |t| matches!(t, FieldType::Integer | FieldType::Number);
    let textual = |t| {
        matches!(
            t,
            FieldType::String | FieldType::Date | FieldType::Datetime | FieldType::Enum
        )
    };
    (numeric(a) && numeric(b)) || (textual(a) && textual(b)) || a == b
}

/// The CEL literal of a form value for `field`.
fn literal(field: &Field, value: &str) -> Result<String, ConditionFormError> {
    let bad = |expected: &'static str| ConditionFormError::BadValue {
        field: field.name.clone(),
        field_type: field.field_type.as_str(),
        value: value.to_string(),
        expected,
    };
    match field.field_type {
        FieldType::Integer => value
            .trim()
            .parse::<i64>()
            .map(|i| i.to_string())
            .map_err(|_| bad("a whole number")),
        FieldType::Number => match value.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(double_literal(x)),
            _ => Err(bad("a number")),
        },
        FieldType::Boolean => match value.trim() {
            "true" => Ok("true".into()),
            "false" => Ok("false".into()),
            _ => Err(bad("true or false")),
        },
        FieldType::Enum => {
            if let Some(values) = &field.values {
                if !values.iter().any(|v| v == value) {
                    return Err(ConditionFormError::NotAnEnumValue {
                        field: field.name.clone(),
                        value: value.to_string(),
                        values: values
                            .iter()
                            .map(|v| format!("\"{v}\""))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
            Ok(quote(value))
        }
        FieldType::String | FieldType::Date | FieldType::Datetime => Ok(quote(value)),
    }
}

/// A CEL `double` literal: always with a decimal point, exact (Rust writes
/// the shortest text that reads back as the same number).
fn double_literal(x: f64) -> String {
    let s = format!("{x}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// The form's text for a number read from CEL.
fn number_text(x: f64) -> String {
    format!("{x}")
}

/// A CEL string literal in double quotes, escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads a CEL condition into a form, when it has a shape the form writes:
/// clauses over the entity's fields joined by `&&` or `||`, with groups of
/// clauses joined the other way. `None` for anything else (unknown fields,
/// values that do not suit a field, function calls, arithmetic...).
pub fn cel_to_form(entity: &Entity, cel: &str) -> Option<ConditionForm> {
    if cel.trim().is_empty() || cel.len() > 8192 {
        return None;
    }
    // The parser is third-party code: a panic in it is "not a form".
    let parsed = std::panic::catch_unwind(|| cel::parser::PrattParser::new().parse(cel)).ok()?;
    let expr = parsed.ok()?;
    let top = logical(&expr);
    let join = top.unwrap_or(Join::All);
    let mut operands = Vec::new();
    flatten(&expr, join, &mut operands, 0)?;
    let mut items = Vec::with_capacity(operands.len());
    for operand in operands {
        match logical(operand) {
            Some(j) if j == join.other() => {
                let mut inner = Vec::new();
                flatten(operand, j, &mut inner, 0)?;
                let clauses = inner
                    .into_iter()
                    .map(|e| read_clause(entity, e))
                    .collect::<Option<Vec<_>>>()?;
                items.push(ConditionItem::Group(ConditionGroup { clauses }));
            }
            _ => items.push(ConditionItem::Clause(read_clause(entity, operand)?)),
        }
    }
    Some(ConditionForm { join, items })
}

/// The join of a `&&` / `||` call.
fn logical(e: &IdedExpr) -> Option<Join> {
    match &e.expr {
        Expr::Call(CallExpr {
            func_name,
            target: None,
            args,
        }) if args.len() == 2 => match func_name.as_str() {
            "_&&_" => Some(Join::All),
            "_||_" => Some(Join::Any),
            _ => None,
        },
        _ => None,
    }
}

/// The operands of a chain of `join` calls, left to right.
fn flatten<'a>(
    e: &'a IdedExpr,
    join: Join,
    out: &mut Vec<&'a IdedExpr>,
    depth: usize,
) -> Option<()> {
    if depth > 256 {
        return None;
    }
    match &e.expr {
        Expr::Call(call) if call.target.is_none() && call.func_name == join.cel_function() => {
            for a in &call.args {
                flatten(a, join, out, depth + 1)?;
            }
        }
        _ => out.push(e),
    }
    Some(())
}

fn ident(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Ident(n) => Some(n),
        _ => None,
    }
}

fn read_clause(entity: &Entity, e: &IdedExpr) -> Option<Clause> {
    match &e.expr {
        // `active`: a boolean field that must be true.
        Expr::Ident(name) => {
            let f = entity.field(name)?;
            (f.field_type == FieldType::Boolean).then(|| Clause::new(name, ClauseOp::Eq, "true"))
        }
        // `has(data.x)`
        Expr::Select(sel) if sel.test => (ident(&sel.operand)? == "data"
            && entity.field(&sel.field).is_some())
        .then(|| Clause::new(sel.field.clone(), ClauseOp::Present, String::new())),
        Expr::Call(call) => read_call(entity, call),
        _ => None,
    }
}

fn read_call(entity: &Entity, call: &CallExpr) -> Option<Clause> {
    let name = call.func_name.as_str();
    if let Some(target) = &call.target {
        // `field.contains("x")` and the other text methods.
        let op = match name {
            "contains" => ClauseOp::Contains,
            "startsWith" => ClauseOp::StartsWith,
            "endsWith" => ClauseOp::EndsWith,
            "matches" => ClauseOp::Matches,
            _ => return None,
        };
        let field = entity.field(ident(target)?)?;
        let [arg] = call.args.as_slice() else {
            return None;
        };
        if !ClauseOp::for_type(field.field_type).contains(&op) {
            return None;
        }
        let Expr::Literal(LiteralValue::String(s)) = &arg.expr else {
            return None;
        };
        return Some(Clause::new(field.name.clone(), op, s.inner()));
    }
    match (name, call.args.as_slice()) {
        ("!_", [inner]) => match &inner.expr {
            Expr::Ident(n) => {
                let f = entity.field(n)?;
                (f.field_type == FieldType::Boolean).then(|| Clause::new(n, ClauseOp::Eq, "false"))
            }
            Expr::Select(sel) if sel.test => (ident(&sel.operand)? == "data"
                && entity.field(&sel.field).is_some())
            .then(|| Clause::new(sel.field.clone(), ClauseOp::Absent, String::new())),
            Expr::Call(c) if c.target.is_none() && c.func_name == "@in" => {
                let mut clause = read_in(entity, c)?;
                clause.op = ClauseOp::NotIn;
                Some(clause)
            }
            _ => None,
        },
        ("@in", _) => read_in(entity, call),
        (_, [a, b]) => {
            let op = ClauseOp::from_comparison(name)?;
            if let Some(n) = ident(a) {
                if let Some(field) = entity.field(n) {
                    return read_comparison(entity, field, op, b);
                }
            }
            // `0 < quantity`
            let field = entity.field(ident(b)?)?;
            if ident(a).is_some() {
                return None;
            }
            read_comparison(entity, field, op.flipped(), a)
        }
        _ => None,
    }
}

fn read_comparison(entity: &Entity, field: &Field, op: ClauseOp, rhs: &IdedExpr) -> Option<Clause> {
    if !ClauseOp::for_type(field.field_type).contains(&op) {
        return None;
    }
    if let Some(other) = ident(rhs) {
        let o = entity.field(other)?;
        let clause = Clause {
            other_field: Some(o.name.clone()),
            ..Clause::new(field.name.clone(), op, String::new())
        };
        // Only what form_to_cel would write.
        return clause_to_cel(entity, &clause).ok().map(|_| clause);
    }
    let value = read_value(field, rhs)?;
    Some(Clause::new(field.name.clone(), op, value))
}

fn read_in(entity: &Entity, call: &CallExpr) -> Option<Clause> {
    let [lhs, rhs] = call.args.as_slice() else {
        return None;
    };
    let field = entity.field(ident(lhs)?)?;
    if !ClauseOp::for_type(field.field_type).contains(&ClauseOp::In) {
        return None;
    }
    let Expr::List(list) = &rhs.expr else {
        return None;
    };
    if list.elements.is_empty() {
        return None;
    }
    let values = list
        .elements
        .iter()
        .map(|el| read_value(field, el))
        .collect::<Option<Vec<_>>>()?;
    Some(Clause {
        values,
        ..Clause::new(field.name.clone(), ClauseOp::In, String::new())
    })
}

/// A literal as the form's text for `field`, when it suits the field.
fn read_value(field: &Field, e: &IdedExpr) -> Option<String> {
    let lit = match &e.expr {
        Expr::Literal(lit) => lit.clone(),
        // `-5` / `-2.5` when the parser keeps the minus as an operator.
        Expr::Call(c) if c.target.is_none() && c.func_name == "-_" && c.args.len() == 1 => {
            match c.args.first().map(|a| &a.expr) {
                Some(Expr::Literal(LiteralValue::Int(i))) => {
                    LiteralValue::Int(i.inner().checked_neg()?.into())
                }
                Some(Expr::Literal(LiteralValue::Double(x))) => {
                    LiteralValue::Double((-*x.inner()).into())
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    let text = match (field.field_type, &lit) {
        (FieldType::Integer, LiteralValue::Int(i)) => i.inner().to_string(),
        (FieldType::Number, LiteralValue::Double(x)) if x.inner().is_finite() => {
            number_text(*x.inner())
        }
        (FieldType::Number, LiteralValue::Int(i)) => i.inner().to_string(),
        (FieldType::Boolean, LiteralValue::Boolean(b)) => b.inner().to_string(),
        (
            FieldType::String | FieldType::Date | FieldType::Datetime | FieldType::Enum,
            LiteralValue::String(s),
        ) => s.inner().to_string(),
        _ => return None,
    };
    // Only values form_to_cel accepts (an enum's declared values).
    literal(field, &text).ok()?;
    Some(text)
}
