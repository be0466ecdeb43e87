//! CEL conditions compiled once at load.
//!
//! Each condition is parsed with the `cel` crate's parser and compiled from its
//! AST into a small closure-free tree ([`Node`]) over the message's `data`
//! fields. Field names are resolved to *slots* at load: every entity has a slot
//! table (the fields its rules mention, with the type each is declared with),
//! and a decision looks each field up in the message once, then every rule
//! reads its slots.
//!
//! **Typed values.** A record's fields become CEL values by the entity's
//! declared field types (see [`FieldKind`] and `docs/cel.md`): `integer` →
//! `int` (a JSON number with no fractional part, `3` or `3.0`), `number` →
//! `double` (also when sent as `3`), `string`, `enum`, `date` and `datetime`
//! → `string` (make a time with `timestamp(field)`), `boolean` → `bool`,
//! `null` → `null`. An undeclared field (and everything inside arrays and
//! objects) follows the JSON rule: a whole number within the `int` range →
//! `int`, any other number → `double`. The native evaluator and the `cel`
//! interpreter fallback use this same conversion. A value that does not fit
//! its declared type is an evaluation error ([`EvalError::FieldType`]); the
//! contract check refuses such records before rules run.
//!
//! Supported natively: literals, list literals, field access (`quantity`,
//! `data.quantity`, nested `address.city`), `has(data.x)` / `has(a.b)`, `!`,
//! unary `-`, `&&`, `||` (with CEL's error absorption), `? :`, `==`, `!=`
//! (CEL's heterogeneous equality: `1 == 1.0`, `1 == 'a'` is false), `<`,
//! `<=`, `>`, `>=` (across int, uint and double), `+` (numbers of one type,
//! strings, lists), `-`, `*`, `/`, `%`, `in`, `[]`, `size()`, `contains`,
//! `startsWith`, `endsWith`, `int()`, `double()`, `string()`, `dyn()`,
//! `type()` and the type names (`int`, `string`, ...). Anything else
//! (macros such as `all`/`exists`, timestamps, `matches`, maps, bytes, ...)
//! goes to the `cel` interpreter, with every referenced top-level field bound
//! as a variable and the whole record bound as `data`.
//!
//! Int arithmetic is checked (overflow is an error); CEL does not mix numeric
//! types in arithmetic (`1 + 1.0` is an error), but compares across them.
//!
//! Evaluation errors (a missing field, a wrong type, an overflow, a result that
//! is not a boolean) are reported as [`EvalError`]; the engine treats a
//! `validate` rule whose condition errs as **failing**, and a `route` rule
//! whose condition errs as **not matching**.

use cel::common::ast::{operators, Expr, IdedExpr, LiteralValue};
use rustc_hash::FxHashMap;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// Why a condition could not be evaluated on a record.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    MissingField(String),
    /// A field's value does not fit the type it is declared with.
    FieldType {
        field: String,
        expected: &'static str,
    },
    Type(&'static str),
    Overflow,
    DivisionByZero,
    NotBoolean,
    Interpreter(String),
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::MissingField(n) => write!(f, "no field `{n}`"),
            EvalError::FieldType { field, expected } => {
                write!(
                    f,
                    "field `{field}` is declared {expected} but its value is not"
                )
            }
            EvalError::Type(what) => write!(f, "type error: {what}"),
            EvalError::Overflow => f.write_str("integer overflow"),
            EvalError::DivisionByZero => f.write_str("division by zero"),
            EvalError::NotBoolean => f.write_str("condition is not a boolean"),
            EvalError::Interpreter(m) => f.write_str(m),
        }
    }
}

/// The declared type of a record field, from the entity's JSON Schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum FieldKind {
    /// Not declared: typed by the JSON value (whole number in the `int`
    /// range → `int`, other numbers → `double`).
    #[default]
    Undeclared,
    Integer,
    Number,
    String,
    Boolean,
    /// `YYYY-MM-DD`, a CEL `string`.
    Date,
    /// RFC 3339, a CEL `string`.
    Datetime,
    /// One of the declared values, a CEL `string`.
    Enum,
}

impl FieldKind {
    /// The kind of one property of an entity's JSON Schema (`type`,
    /// `format`, `enum`), as `charter-model`'s export writes it.
    pub fn from_schema(property: &Value) -> FieldKind {
        let text = |k: &str| property.get(k).and_then(Value::as_str);
        match text("type") {
            Some("integer") => FieldKind::Integer,
            Some("number") => FieldKind::Number,
            Some("boolean") => FieldKind::Boolean,
            Some("string") => {
                if property.get("enum").is_some() {
                    FieldKind::Enum
                } else {
                    match text("format") {
                        Some("date") => FieldKind::Date,
                        Some("date-time") => FieldKind::Datetime,
                        _ => FieldKind::String,
                    }
                }
            }
            _ => FieldKind::Undeclared,
        }
    }

    /// The CEL type a value of this kind has (`None`: by its JSON value).
    pub fn cel_type(self) -> Option<&'static str> {
        match self {
            FieldKind::Undeclared => None,
            FieldKind::Integer => Some("int"),
            FieldKind::Number => Some("double"),
            FieldKind::Boolean => Some("bool"),
            FieldKind::String | FieldKind::Date | FieldKind::Datetime | FieldKind::Enum => {
                Some("string")
            }
        }
    }

    fn expected(self) -> &'static str {
        match self {
            FieldKind::Undeclared => "a value",
            FieldKind::Integer => "an integer",
            FieldKind::Number => "a number",
            FieldKind::String => "a string",
            FieldKind::Boolean => "a boolean",
            FieldKind::Date => "a date",
            FieldKind::Datetime => "a datetime",
            FieldKind::Enum => "an enum value",
        }
    }
}

/// Field names of one entity resolved to slot indexes, and the declared
/// type of each field.
#[derive(Debug, Default, Clone)]
pub struct SlotTable {
    names: Vec<String>,
    kinds: Vec<FieldKind>,
    declared: Arc<FxHashMap<String, FieldKind>>,
}

impl SlotTable {
    /// A table whose fields are typed by an entity's JSON Schema (its
    /// `properties`, as in `ConfigEntity.schema`); anything else in the
    /// schema is ignored, and a schema without properties types nothing.
    pub fn with_types(schema: &Value) -> SlotTable {
        let mut declared = FxHashMap::default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let kind = FieldKind::from_schema(prop);
                if kind != FieldKind::Undeclared {
                    declared.insert(name.clone(), kind);
                }
            }
        }
        SlotTable {
            declared: Arc::new(declared),
            ..SlotTable::default()
        }
    }

    /// Declares the type of one field (before conditions are compiled).
    pub fn declare(&mut self, name: &str, kind: FieldKind) {
        Arc::make_mut(&mut self.declared).insert(name.to_string(), kind);
        if let Some(i) = self.names.iter().position(|n| n == name) {
            self.kinds[i] = kind;
        }
    }

    /// The declared type of a field.
    pub fn kind(&self, name: &str) -> FieldKind {
        self.declared.get(name).copied().unwrap_or_default()
    }

    pub fn slot(&mut self, name: &str) -> usize {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i;
        }
        self.names.push(name.to_string());
        self.kinds.push(self.kind(name));
        self.names.len() - 1
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// A CEL type, as a value (`type(x)`, `int`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CelType {
    Null,
    Bool,
    Int,
    UInt,
    Double,
    String,
    Bytes,
    List,
    Map,
    Type,
}

impl CelType {
    fn named(name: &str) -> Option<CelType> {
        Some(match name {
            "null_type" => CelType::Null,
            "bool" => CelType::Bool,
            "int" => CelType::Int,
            "uint" => CelType::UInt,
            "double" => CelType::Double,
            "string" => CelType::String,
            "bytes" => CelType::Bytes,
            "list" => CelType::List,
            "map" => CelType::Map,
            "type" => CelType::Type,
            _ => return None,
        })
    }
}

/// A value during evaluation: scalars by value, strings and JSON compounds
/// borrowed from the record or the compiled condition.
#[derive(Debug, Clone)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(Cow<'a, str>),
    /// An array or object from the record (its members by the JSON rule).
    Json(&'a Value),
    List(Vec<Val<'a>>),
    Type(CelType),
}

/// A whole JSON number as an `int`, when it is one.
#[inline]
fn whole_int(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let d = n.as_f64()?;
    // -2^63 is exact as a double; 2^63 is the first one out of range.
    (d.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&d))
        .then_some(d as i64)
}

impl<'a> Val<'a> {
    /// The JSON rule (undeclared fields, members of arrays and objects): a
    /// number written as a whole number within the `int` range is an `int`,
    /// any other number a `double`.
    pub fn from_json(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Double(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            other => Val::Json(other),
        }
    }

    /// A field's value by its declared type.
    #[inline]
    pub fn typed(v: &'a Value, kind: FieldKind, name: &str) -> Result<Val<'a>, EvalError> {
        let bad = || EvalError::FieldType {
            field: name.to_string(),
            expected: kind.expected(),
        };
        match (kind, v) {
            (FieldKind::Undeclared, v) | (_, v @ Value::Null) => Ok(Val::from_json(v)),
            (FieldKind::Integer, Value::Number(n)) => whole_int(n).map(Val::Int).ok_or_else(bad),
            (FieldKind::Number, Value::Number(n)) => n.as_f64().map(Val::Double).ok_or_else(bad),
            (FieldKind::Boolean, Value::Bool(b)) => Ok(Val::Bool(*b)),
            (
                FieldKind::String | FieldKind::Date | FieldKind::Datetime | FieldKind::Enum,
                Value::String(s),
            ) => Ok(Val::Str(Cow::Borrowed(s))),
            _ => Err(bad()),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::UInt(u) => Some(*u as f64),
            Val::Double(d) => Some(*d),
            _ => None,
        }
    }

    fn cel_type(&self) -> CelType {
        match self {
            Val::Null => CelType::Null,
            Val::Bool(_) => CelType::Bool,
            Val::Int(_) => CelType::Int,
            Val::UInt(_) => CelType::UInt,
            Val::Double(_) => CelType::Double,
            Val::Str(_) => CelType::String,
            Val::Json(Value::Array(_)) | Val::List(_) => CelType::List,
            Val::Json(_) => CelType::Map,
            Val::Type(_) => CelType::Type,
        }
    }

    fn is_list(&self) -> bool {
        matches!(self, Val::List(_) | Val::Json(Value::Array(_)))
    }

    /// The items of a list value.
    fn into_items(self) -> Vec<Val<'a>> {
        match self {
            Val::List(v) => v,
            Val::Json(Value::Array(a)) => a.iter().map(Val::from_json).collect(),
            _ => Vec::new(),
        }
    }
}

/// Numeric order across int, uint and double; `None` when not two numbers
/// or when a NaN is involved.
fn num_cmp(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::UInt(x), Val::UInt(y)) => Some(x.cmp(y)),
        (Val::Int(x), Val::UInt(y)) => Some(if *x < 0 {
            Ordering::Less
        } else {
            (*x as u64).cmp(y)
        }),
        (Val::UInt(x), Val::Int(y)) => Some(if *y < 0 {
            Ordering::Greater
        } else {
            x.cmp(&(*y as u64))
        }),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn is_num(v: &Val) -> bool {
    matches!(v, Val::Int(_) | Val::UInt(_) | Val::Double(_))
}

/// CEL equality: heterogeneous across numeric types (`1 == 1.0`), values of
/// different kinds are not equal, lists and maps member by member.
pub fn val_eq(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Type(x), Val::Type(y)) => x == y,
        (Val::Json(Value::Object(x)), Val::Json(Value::Object(y))) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.get(k)
                        .is_some_and(|w| val_eq(&Val::from_json(v), &Val::from_json(w)))
                })
        }
        (x, y) if x.is_list() && y.is_list() => {
            let (x, y) = (list_ref(x), list_ref(y));
            x.len() == y.len() && (0..x.len()).all(|i| val_eq(&x.get(i), &y.get(i)))
        }
        _ => matches!(num_cmp(a, b), Some(Ordering::Equal)),
    }
}

/// A list seen by index, whichever way it is held.
enum ListRef<'v, 'a> {
    Vals(&'v [Val<'a>]),
    Json(&'a [Value]),
}

impl<'a> ListRef<'_, 'a> {
    fn len(&self) -> usize {
        match self {
            ListRef::Vals(v) => v.len(),
            ListRef::Json(v) => v.len(),
        }
    }

    fn get(&self, i: usize) -> Val<'a> {
        match self {
            ListRef::Vals(v) => v.get(i).cloned().unwrap_or(Val::Null),
            ListRef::Json(v) => v.get(i).map(Val::from_json).unwrap_or(Val::Null),
        }
    }
}

fn list_ref<'v, 'a>(v: &'v Val<'a>) -> ListRef<'v, 'a> {
    match v {
        Val::List(x) => ListRef::Vals(x),
        Val::Json(Value::Array(x)) => ListRef::Json(x),
        _ => ListRef::Vals(&[]),
    }
}

/// CEL ordering: `None` for two numbers that are unordered (a NaN: every
/// comparison is false), an error for values that cannot be ordered.
fn val_cmp(a: &Val, b: &Val) -> Result<Option<Ordering>, EvalError> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Ok(Some(x.as_ref().cmp(y.as_ref()))),
        (Val::Bool(x), Val::Bool(y)) => Ok(Some(x.cmp(y))),
        _ if is_num(a) && is_num(b) => Ok(num_cmp(a, b)),
        _ => Err(EvalError::Type("values cannot be ordered")),
    }
}

#[derive(Debug, Clone, Copy)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    #[inline]
    fn holds(self, o: Option<Ordering>) -> bool {
        match (self, o) {
            (_, None) => false,
            (CmpOp::Lt, Some(o)) => o == Ordering::Less,
            (CmpOp::Le, Some(o)) => o != Ordering::Greater,
            (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
            (CmpOp::Ge, Some(o)) => o != Ordering::Less,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum ArOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone, Copy)]
enum StrOp {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, Copy)]
enum Conv {
    Int,
    Double,
    String,
}

#[derive(Debug, Clone)]
enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(String),
}

/// A compiled expression.
#[derive(Debug, Clone)]
enum Node {
    Lit(Lit),
    List(Vec<Node>),
    /// A top-level data field, by slot, with its declared type.
    Field(usize, Box<str>, FieldKind),
    /// The whole record (`data`).
    Data,
    /// A type name (`int`, `string`, ...).
    Type(CelType),
    /// `type(x)`.
    TypeOf(Box<Node>),
    Select(Box<Node>, Box<str>),
    HasField(usize),
    HasSelect(Box<Node>, Box<str>),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Eq(Box<Node>, Box<Node>),
    Ne(Box<Node>, Box<Node>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
    /// `field op literal` (the common case, no recursion).
    CmpFieldLit(CmpOp, usize, Box<str>, FieldKind, Lit),
    /// `field == literal` / `field != literal`.
    EqFieldLit(bool, usize, Box<str>, FieldKind, Lit),
    Arith(ArOp, Box<Node>, Box<Node>),
    In(Box<Node>, Box<Node>),
    Index(Box<Node>, Box<Node>),
    Size(Box<Node>),
    Str(StrOp, Box<Node>, Box<Node>),
    Conv(Conv, Box<Node>),
}

/// The construct the native evaluator does not handle.
#[derive(Debug)]
struct Unsupported;

struct Compiler<'t> {
    slots: &'t mut SlotTable,
}

impl Compiler<'_> {
    fn boxed(&mut self, e: &IdedExpr) -> Result<Box<Node>, Unsupported> {
        Ok(Box::new(self.node(e)?))
    }

    fn field(&mut self, name: &str) -> Node {
        let slot = self.slots.slot(name);
        Node::Field(slot, name.into(), self.slots.kinds[slot])
    }

    fn node(&mut self, e: &IdedExpr) -> Result<Node, Unsupported> {
        match &e.expr {
            Expr::Literal(l) => Ok(Node::Lit(match l {
                LiteralValue::Null => Lit::Null,
                LiteralValue::Boolean(b) => Lit::Bool(*b.inner()),
                LiteralValue::Int(i) => Lit::Int(*i.inner()),
                LiteralValue::UInt(u) => Lit::UInt(*u.inner()),
                LiteralValue::Double(d) => Lit::Double(*d.inner()),
                LiteralValue::String(s) => Lit::Str(s.inner().to_string()),
                LiteralValue::Bytes(_) => return Err(Unsupported),
            })),
            Expr::Ident(name) => {
                if name == "data" {
                    Ok(Node::Data)
                } else if let (Some(t), FieldKind::Undeclared) =
                    (CelType::named(name), self.slots.kind(name))
                {
                    Ok(Node::Type(t))
                } else {
                    Ok(self.field(name))
                }
            }
            Expr::List(l) => {
                if !l.optional_indices.is_empty() {
                    return Err(Unsupported);
                }
                let items = l
                    .elements
                    .iter()
                    .map(|x| self.node(x))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Node::List(items))
            }
            Expr::Select(sel) => {
                let operand = self.node(&sel.operand)?;
                let field: &str = &sel.field;
                Ok(match (operand, sel.test) {
                    (Node::Data, false) => self.field(field),
                    (Node::Data, true) => Node::HasField(self.slots.slot(field)),
                    (op, false) => Node::Select(Box::new(op), field.into()),
                    (op, true) => Node::HasSelect(Box::new(op), field.into()),
                })
            }
            Expr::Call(call) => self.call(&call.func_name, call.target.as_deref(), &call.args),
            _ => Err(Unsupported),
        }
    }

    fn call(
        &mut self,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Result<Node, Unsupported> {
        let node = self.call_node(name, target, args)?;
        Ok(match node {
            Node::Cmp(op, a, b) => match (*a, *b) {
                (Node::Field(s, n, k), Node::Lit(l)) => Node::CmpFieldLit(op, s, n, k, l),
                (a, b) => Node::Cmp(op, Box::new(a), Box::new(b)),
            },
            other => other,
        })
    }

    fn call_node(
        &mut self,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Result<Node, Unsupported> {
        let bin = |c: &mut Self| -> Result<(Box<Node>, Box<Node>), Unsupported> {
            match (target, args) {
                (None, [a, b]) => Ok((c.boxed(a)?, c.boxed(b)?)),
                _ => Err(Unsupported),
            }
        };
        let method = |c: &mut Self| -> Result<(Box<Node>, Box<Node>), Unsupported> {
            match (target, args) {
                (Some(t), [a]) => Ok((c.boxed(t)?, c.boxed(a)?)),
                _ => Err(Unsupported),
            }
        };
        let unary = |c: &mut Self| -> Result<Box<Node>, Unsupported> {
            match (target, args) {
                (None, [a]) | (Some(a), []) => c.boxed(a),
                _ => Err(Unsupported),
            }
        };
        let global = |c: &mut Self| -> Result<Box<Node>, Unsupported> {
            match (target, args) {
                (None, [a]) => c.boxed(a),
                _ => Err(Unsupported),
            }
        };
        if let Some(make) = binary_node(name) {
            let (a, b) = bin(self)?;
            return Ok(make(a, b));
        }
        if let Some(op) = string_method(name) {
            let (a, b) = method(self)?;
            return Ok(Node::Str(op, a, b));
        }
        Ok(match name {
            operators::LOGICAL_NOT => Node::Not(global(self)?),
            operators::NEGATE => Node::Neg(global(self)?),
            operators::CONDITIONAL => match (target, args) {
                (None, [c, t, f]) => Node::Cond(self.boxed(c)?, self.boxed(t)?, self.boxed(f)?),
                _ => return Err(Unsupported),
            },
            operators::EQUALS | operators::NOT_EQUALS => {
                let eq = name == operators::EQUALS;
                let (a, b) = bin(self)?;
                match (*a, *b) {
                    (Node::Field(s, n, k), Node::Lit(l)) | (Node::Lit(l), Node::Field(s, n, k)) => {
                        Node::EqFieldLit(eq, s, n, k, l)
                    }
                    (a, b) if eq => Node::Eq(Box::new(a), Box::new(b)),
                    (a, b) => Node::Ne(Box::new(a), Box::new(b)),
                }
            }
            "size" => Node::Size(unary(self)?),
            "int" => Node::Conv(Conv::Int, global(self)?),
            "double" => Node::Conv(Conv::Double, global(self)?),
            "string" => Node::Conv(Conv::String, global(self)?),
            "type" => Node::TypeOf(global(self)?),
            "dyn" => *global(self)?,
            _ => return Err(Unsupported),
        })
    }
}

/// Makes the node of a binary operator from its operands.
type MakeBinary = fn(Box<Node>, Box<Node>) -> Node;

/// The node of a binary operator whose operands compile as they are.
fn binary_node(name: &str) -> Option<MakeBinary> {
    Some(match name {
        operators::LOGICAL_AND => Node::And,
        operators::LOGICAL_OR => Node::Or,
        operators::LESS => |a, b| Node::Cmp(CmpOp::Lt, a, b),
        operators::LESS_EQUALS => |a, b| Node::Cmp(CmpOp::Le, a, b),
        operators::GREATER => |a, b| Node::Cmp(CmpOp::Gt, a, b),
        operators::GREATER_EQUALS => |a, b| Node::Cmp(CmpOp::Ge, a, b),
        operators::ADD => |a, b| Node::Arith(ArOp::Add, a, b),
        operators::SUBSTRACT => |a, b| Node::Arith(ArOp::Sub, a, b),
        operators::MULTIPLY => |a, b| Node::Arith(ArOp::Mul, a, b),
        operators::DIVIDE => |a, b| Node::Arith(ArOp::Div, a, b),
        operators::MODULO => |a, b| Node::Arith(ArOp::Rem, a, b),
        operators::IN => Node::In,
        operators::INDEX => Node::Index,
        _ => return None,
    })
}

/// The string method of that name.
fn string_method(name: &str) -> Option<StrOp> {
    Some(match name {
        "contains" => StrOp::Contains,
        "startsWith" => StrOp::StartsWith,
        "endsWith" => StrOp::EndsWith,
        _ => return None,
    })
}

type Slots<'s, 'a> = &'s [Option<&'a Value>];

#[inline]
fn lit_val(l: &Lit) -> Val<'_> {
    match l {
        Lit::Null => Val::Null,
        Lit::Bool(b) => Val::Bool(*b),
        Lit::Int(i) => Val::Int(*i),
        Lit::UInt(u) => Val::UInt(*u),
        Lit::Double(d) => Val::Double(*d),
        Lit::Str(s) => Val::Str(Cow::Borrowed(s)),
    }
}

#[inline]
fn field<'a>(
    slot: usize,
    name: &str,
    kind: FieldKind,
    slots: Slots<'_, 'a>,
    data: &'a Map<String, Value>,
) -> Result<Val<'a>, EvalError> {
    match slots.get(slot) {
        Some(Some(v)) => Val::typed(v, kind, name),
        Some(None) => Err(EvalError::MissingField(name.to_string())),
        None => match get_field(data, name) {
            Some(v) => Val::typed(v, kind, name),
            None => Err(EvalError::MissingField(name.to_string())),
        },
    }
}

fn eval<'a>(
    n: &'a Node,
    slots: Slots<'_, 'a>,
    data: &'a Map<String, Value>,
) -> Result<Val<'a>, EvalError> {
    match n {
        Node::Lit(l) => Ok(lit_val(l)),
        Node::List(items) => Ok(Val::List(
            items
                .iter()
                .map(|i| eval(i, slots, data))
                .collect::<Result<_, _>>()?,
        )),
        Node::Field(slot, name, kind) => field(*slot, name, *kind, slots, data),
        Node::Data => Err(EvalError::Type("`data` used as a value")),
        Node::Type(t) => Ok(Val::Type(*t)),
        Node::TypeOf(a) => Ok(Val::Type(eval(a, slots, data)?.cel_type())),
        Node::Select(op, field) => match eval(op, slots, data)? {
            Val::Json(Value::Object(m)) => m
                .get(field.as_ref())
                .map(Val::from_json)
                .ok_or_else(|| EvalError::MissingField(field.to_string())),
            _ => Err(EvalError::Type("field selection on a non-map")),
        },
        Node::HasField(slot) => Ok(Val::Bool(matches!(slots.get(*slot), Some(Some(_))))),
        Node::HasSelect(op, field) => match eval(op, slots, data)? {
            Val::Json(Value::Object(m)) => Ok(Val::Bool(m.contains_key(field.as_ref()))),
            _ => Err(EvalError::Type("has() on a non-map")),
        },
        Node::Not(a) => match eval(a, slots, data)? {
            Val::Bool(b) => Ok(Val::Bool(!b)),
            _ => Err(EvalError::Type("! on a non-boolean")),
        },
        Node::Neg(a) => match eval(a, slots, data)? {
            Val::Int(i) => i.checked_neg().map(Val::Int).ok_or(EvalError::Overflow),
            Val::Double(d) => Ok(Val::Double(-d)),
            _ => Err(EvalError::Type("- on a non-number")),
        },
        Node::And(a, b) => {
            let l = eval(a, slots, data);
            if let Ok(Val::Bool(false)) = l {
                return Ok(Val::Bool(false));
            }
            let r = eval(b, slots, data);
            match (l, r) {
                (_, Ok(Val::Bool(false))) => Ok(Val::Bool(false)),
                (Ok(Val::Bool(true)), Ok(Val::Bool(true))) => Ok(Val::Bool(true)),
                (Err(e), _) | (_, Err(e)) => Err(e),
                _ => Err(EvalError::Type("&& on a non-boolean")),
            }
        }
        Node::Or(a, b) => {
            let l = eval(a, slots, data);
            if let Ok(Val::Bool(true)) = l {
                return Ok(Val::Bool(true));
            }
            let r = eval(b, slots, data);
            match (l, r) {
                (_, Ok(Val::Bool(true))) => Ok(Val::Bool(true)),
                (Ok(Val::Bool(false)), Ok(Val::Bool(false))) => Ok(Val::Bool(false)),
                (Err(e), _) | (_, Err(e)) => Err(e),
                _ => Err(EvalError::Type("|| on a non-boolean")),
            }
        }
        Node::Cond(c, t, f) => match eval(c, slots, data)? {
            Val::Bool(true) => eval(t, slots, data),
            Val::Bool(false) => eval(f, slots, data),
            _ => Err(EvalError::Type("?: on a non-boolean")),
        },
        Node::Eq(a, b) => Ok(Val::Bool(val_eq(
            &eval(a, slots, data)?,
            &eval(b, slots, data)?,
        ))),
        Node::Ne(a, b) => Ok(Val::Bool(!val_eq(
            &eval(a, slots, data)?,
            &eval(b, slots, data)?,
        ))),
        Node::CmpFieldLit(op, slot, name, kind, lit) => {
            let a = field(*slot, name, *kind, slots, data)?;
            Ok(Val::Bool(op.holds(val_cmp(&a, &lit_val(lit))?)))
        }
        Node::EqFieldLit(eq, slot, name, kind, lit) => {
            let a = field(*slot, name, *kind, slots, data)?;
            Ok(Val::Bool(val_eq(&a, &lit_val(lit)) == *eq))
        }
        Node::Cmp(op, a, b) => {
            let o = val_cmp(&eval(a, slots, data)?, &eval(b, slots, data)?)?;
            Ok(Val::Bool(op.holds(o)))
        }
        Node::Arith(op, a, b) => arith(*op, eval(a, slots, data)?, eval(b, slots, data)?),
        Node::In(a, b) => {
            let x = eval(a, slots, data)?;
            match eval(b, slots, data)? {
                Val::List(items) => Ok(Val::Bool(items.iter().any(|i| val_eq(&x, i)))),
                Val::Json(Value::Array(items)) => Ok(Val::Bool(
                    items.iter().any(|i| val_eq(&x, &Val::from_json(i))),
                )),
                Val::Json(Value::Object(m)) => match x {
                    Val::Str(s) => Ok(Val::Bool(m.contains_key(s.as_ref()))),
                    _ => Ok(Val::Bool(false)),
                },
                _ => Err(EvalError::Type("`in` on a non-list")),
            }
        }
        Node::Index(a, b) => {
            let c = eval(a, slots, data)?;
            let i = eval(b, slots, data)?;
            match (c, i) {
                (Val::Json(Value::Object(m)), Val::Str(k)) => m
                    .get(k.as_ref())
                    .map(Val::from_json)
                    .ok_or_else(|| EvalError::MissingField(k.to_string())),
                (Val::Json(Value::Array(v)), i) => list_index(&i)
                    .and_then(|i| v.get(i))
                    .map(Val::from_json)
                    .ok_or(EvalError::Type("index out of range")),
                (Val::List(v), i) => list_index(&i)
                    .and_then(|i| v.get(i).cloned())
                    .ok_or(EvalError::Type("index out of range")),
                _ => Err(EvalError::Type("bad index")),
            }
        }
        Node::Size(a) => match eval(a, slots, data)? {
            Val::Str(s) => Ok(Val::Int(s.chars().count() as i64)),
            Val::Json(Value::Array(v)) => Ok(Val::Int(v.len() as i64)),
            Val::Json(Value::Object(m)) => Ok(Val::Int(m.len() as i64)),
            Val::List(v) => Ok(Val::Int(v.len() as i64)),
            _ => Err(EvalError::Type("size() of a scalar")),
        },
        Node::Str(op, a, b) => match (eval(a, slots, data)?, eval(b, slots, data)?) {
            (Val::Str(s), Val::Str(p)) => Ok(Val::Bool(match op {
                StrOp::Contains => s.contains(p.as_ref()),
                StrOp::StartsWith => s.starts_with(p.as_ref()),
                StrOp::EndsWith => s.ends_with(p.as_ref()),
            })),
            _ => Err(EvalError::Type("string function on a non-string")),
        },
        Node::Conv(c, a) => convert(*c, eval(a, slots, data)?),
    }
}

/// A list index: an int, a uint or a whole double (CEL's heterogeneous
/// numbers), in range of a `usize`.
fn list_index(i: &Val) -> Option<usize> {
    match i {
        Val::Int(i) => usize::try_from(*i).ok(),
        Val::UInt(u) => usize::try_from(*u).ok(),
        Val::Double(d) if d.fract() == 0.0 && *d >= 0.0 && *d < 4.0e18 => Some(*d as usize),
        _ => None,
    }
}

fn convert(c: Conv, v: Val<'_>) -> Result<Val<'_>, EvalError> {
    match (c, v) {
        (Conv::Int, Val::Int(i)) => Ok(Val::Int(i)),
        (Conv::Int, Val::UInt(u)) => i64::try_from(u)
            .map(Val::Int)
            .map_err(|_| EvalError::Overflow),
        (Conv::Int, Val::Double(d)) => {
            // CEL: the range is (-2^63, 2^63) exclusive of both ends.
            if d.is_finite() && d > -9.223_372_036_854_776e18 && d < 9.223_372_036_854_776e18 {
                Ok(Val::Int(d.trunc() as i64))
            } else {
                Err(EvalError::Overflow)
            }
        }
        (Conv::Int, Val::Str(s)) => s
            .parse()
            .map(Val::Int)
            .map_err(|_| EvalError::Type("int() of a non-number string")),
        (Conv::Double, Val::Str(s)) => s
            .parse()
            .map(Val::Double)
            .map_err(|_| EvalError::Type("double() of a non-number string")),
        (Conv::Double, v @ (Val::Int(_) | Val::UInt(_) | Val::Double(_))) => {
            Ok(Val::Double(v.as_f64().unwrap_or(f64::NAN)))
        }
        (Conv::String, Val::Str(s)) => Ok(Val::Str(s)),
        (Conv::String, Val::Int(i)) => Ok(Val::Str(Cow::Owned(i.to_string()))),
        (Conv::String, Val::UInt(u)) => Ok(Val::Str(Cow::Owned(u.to_string()))),
        (Conv::String, Val::Double(d)) => Ok(Val::Str(Cow::Owned(d.to_string()))),
        (Conv::String, Val::Bool(b)) => Ok(Val::Str(Cow::Owned(b.to_string()))),
        (_, Val::Null) => Err(EvalError::Type("conversion of null")),
        _ => Err(EvalError::Type("unsupported conversion")),
    }
}

macro_rules! checked_arith {
    ($op:expr, $x:expr, $y:expr, $wrap:path) => {
        match $op {
            ArOp::Add => $x.checked_add($y),
            ArOp::Sub => $x.checked_sub($y),
            ArOp::Mul => $x.checked_mul($y),
            ArOp::Div | ArOp::Rem if $y == 0 => return Err(EvalError::DivisionByZero),
            ArOp::Div => $x.checked_div($y),
            ArOp::Rem => $x.checked_rem($y),
        }
        .map($wrap)
        .ok_or(EvalError::Overflow)
    };
}

fn arith<'a>(op: ArOp, a: Val<'a>, b: Val<'a>) -> Result<Val<'a>, EvalError> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => checked_arith!(op, x, y, Val::Int),
        (Val::UInt(x), Val::UInt(y)) => checked_arith!(op, x, y, Val::UInt),
        (Val::Double(x), Val::Double(y)) => Ok(Val::Double(match op {
            ArOp::Add => x + y,
            ArOp::Sub => x - y,
            ArOp::Mul => x * y,
            ArOp::Div => x / y,
            ArOp::Rem => return Err(EvalError::Type("% on doubles")),
        })),
        (Val::Str(x), Val::Str(y)) if matches!(op, ArOp::Add) => {
            let mut s = x.into_owned();
            s.push_str(&y);
            Ok(Val::Str(Cow::Owned(s)))
        }
        (x, y) if matches!(op, ArOp::Add) && x.is_list() && y.is_list() => {
            let mut items = x.into_items();
            items.extend(y.into_items());
            Ok(Val::List(items))
        }
        (x, y) if is_num(&x) && is_num(&y) => {
            Err(EvalError::Type("arithmetic mixes numeric types"))
        }
        _ => Err(EvalError::Type("arithmetic on non-numbers")),
    }
}

/// A condition the `cel` interpreter evaluates.
#[derive(Debug)]
struct Interpreted {
    program: cel::Program,
    /// The top-level variables the program reads, with their declared types.
    vars: Vec<(String, FieldKind)>,
    /// Whether it reads `data` (the whole record).
    whole: bool,
    declared: Arc<FxHashMap<String, FieldKind>>,
}

/// The interpreter's environment, built once: the standard CEL library and
/// the `strings` extension (`lowerAscii`, `trim`, `split`, `join`,
/// `substring`, `replace`, `indexOf`, ...), the functions the model's
/// condition checker accepts.
fn cel_env() -> Arc<cel::Env> {
    static ENV: OnceLock<Arc<cel::Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = cel::Env::stdlib();
        // Declared once on a fresh environment: it cannot clash; if it ever
        // did, the standard library alone is still a working environment.
        if env.add_extension(cel::extensions::strings).is_err() {
            env = cel::Env::stdlib();
        }
        Arc::new(env)
    })
    .clone()
}

/// A JSON value as a `cel` value by the JSON rule (see [`Val::from_json`]).
fn json_to_cel(v: &Value) -> cel::Value {
    match v {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => cel::Value::Int(i),
            None => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => cel::Value::String(Arc::new(s.clone())),
        Value::Array(a) => cel::Value::List(Arc::new(a.iter().map(json_to_cel).collect())),
        Value::Object(m) => object_to_cel(m, |_| FieldKind::Undeclared).unwrap_or(cel::Value::Null),
    }
}

fn object_to_cel(
    m: &Map<String, Value>,
    kind: impl Fn(&str) -> FieldKind,
) -> Result<cel::Value, EvalError> {
    let mut map = std::collections::HashMap::with_capacity(m.len());
    for (k, v) in m {
        map.insert(
            cel::objects::Key::String(Arc::new(k.clone())),
            typed_to_cel(v, kind(k), k)?,
        );
    }
    Ok(cel::Value::Map(cel::objects::Map { map: Arc::new(map) }))
}

/// A field's value as a `cel` value by its declared type: the same
/// conversion as [`Val::typed`].
pub fn typed_to_cel(v: &Value, kind: FieldKind, name: &str) -> Result<cel::Value, EvalError> {
    Ok(match Val::typed(v, kind, name)? {
        Val::Null => cel::Value::Null,
        Val::Bool(b) => cel::Value::Bool(b),
        Val::Int(i) => cel::Value::Int(i),
        Val::UInt(u) => cel::Value::UInt(u),
        Val::Double(d) => cel::Value::Float(d),
        Val::Str(s) => cel::Value::String(Arc::new(s.into_owned())),
        Val::Json(j) => json_to_cel(j),
        Val::List(_) | Val::Type(_) => return Err(EvalError::Type("unexpected field value")),
    })
}

impl Interpreted {
    fn new(source: &str, slots: &SlotTable) -> Result<Interpreted, String> {
        let program = cel_env().compile(source).map_err(|e| {
            e.to_string()
                .lines()
                .next()
                .unwrap_or("parse error")
                .to_string()
        })?;
        let refs = program.references();
        let mut vars: Vec<(String, FieldKind)> = refs
            .variables()
            .into_iter()
            .filter(|v| *v != "data")
            .map(|v| (v.to_string(), slots.kind(v)))
            // A type name is a type unless a field of that name is declared.
            .filter(|(v, k)| CelType::named(v).is_none() || *k != FieldKind::Undeclared)
            .collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let whole = refs.has_variable("data");
        Ok(Interpreted {
            program,
            vars,
            whole,
            declared: slots.declared.clone(),
        })
    }

    fn eval(&self, data: &Map<String, Value>) -> Result<bool, EvalError> {
        let mut ctx = cel::Context::with_env(cel_env());
        for (name, kind) in &self.vars {
            if let Some(v) = get_field(data, name) {
                ctx.add_variable_from_value(name.as_str(), typed_to_cel(v, *kind, name)?);
            }
        }
        if self.whole {
            let whole = object_to_cel(data, |k| self.declared.get(k).copied().unwrap_or_default())?;
            ctx.add_variable_from_value("data", whole);
        }
        match self.program.execute(&ctx) {
            Ok(cel::Value::Bool(b)) => Ok(b),
            Ok(_) => Err(EvalError::NotBoolean),
            Err(e) => Err(EvalError::Interpreter(e.to_string())),
        }
    }
}

#[derive(Debug)]
enum Imp {
    Native(Node),
    Interpreter(Box<Interpreted>),
}

/// Parses a condition with the `cel` crate's Pratt parser (the same syntax
/// tree as its ANTLR parser, many times faster; the one `charter-model`
/// checks conditions with). The parser is third-party code: a panic in it is
/// a parse error, not a crash.
fn parse(source: &str) -> Result<IdedExpr, String> {
    // Length and bracket nesting first: the parser recurses on brackets.
    if let Some(p) = charter_model::conditions::precheck(source) {
        return Err(p.message);
    }
    let first_line = |e: &cel::ParseErrors| {
        e.to_string()
            .lines()
            .next()
            .unwrap_or("parse error")
            .to_string()
    };
    match std::panic::catch_unwind(|| cel::parser::PrattParser::new().parse(source)) {
        Ok(Ok(ast)) => Ok(ast),
        Ok(Err(e)) => Err(first_line(&e)),
        Err(_) => Err("the CEL parser failed on it".to_string()),
    }
}

/// The limits the model's checker sets (`charter_model::conditions`): a
/// syntax tree deeper than that is refused, as compiling and evaluating it
/// recurse (and a serve worker's stack is 2 MiB).
fn within_limits(ast: &IdedExpr) -> Result<(), String> {
    match charter_model::conditions::depth_problem(ast) {
        Some(p) => Err(p.message),
        None => Ok(()),
    }
}

/// One CEL condition, compiled once.
#[derive(Debug)]
pub struct Condition {
    source: String,
    imp: Imp,
}

impl Condition {
    /// Parses `source` and compiles it against the entity's slot table.
    pub fn compile(source: &str, slots: &mut SlotTable) -> Result<Condition, String> {
        let ast = parse(source)?;
        within_limits(&ast)?;
        // Compile into a scratch table first so that a fallback does not leave
        // unused slots behind.
        let mut scratch = slots.clone();
        let imp = match (Compiler {
            slots: &mut scratch,
        })
        .node(&ast)
        {
            Ok(node) => {
                *slots = scratch;
                Imp::Native(node)
            }
            Err(Unsupported) => Imp::Interpreter(Box::new(Interpreted::new(source, slots)?)),
        };
        Ok(Condition {
            source: source.to_string(),
            imp,
        })
    }

    /// Compiles `source` for the `cel` interpreter even when the native
    /// evaluator could take it (for tests that compare the two).
    #[doc(hidden)]
    pub fn compile_interpreted(source: &str, slots: &SlotTable) -> Result<Condition, String> {
        within_limits(&parse(source)?)?;
        Ok(Condition {
            source: source.to_string(),
            imp: Imp::Interpreter(Box::new(Interpreted::new(source, slots)?)),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the native evaluator handles this condition (otherwise the
    /// `cel` interpreter does).
    pub fn is_native(&self) -> bool {
        matches!(self.imp, Imp::Native(_))
    }

    /// Evaluates to a boolean. `slots` are the record's values for the
    /// entity's slot table (see [`resolve_slots`]), `data` the record.
    pub fn eval_bool(
        &self,
        slots: &[Option<&Value>],
        data: &Map<String, Value>,
    ) -> Result<bool, EvalError> {
        match &self.imp {
            Imp::Native(node) => match eval(node, slots, data)? {
                Val::Bool(b) => Ok(b),
                _ => Err(EvalError::NotBoolean),
            },
            Imp::Interpreter(i) => i.eval(data),
        }
    }
}

/// One field of a record: small records are scanned (cheaper than hashing
/// the name), large ones use the map's index.
#[inline]
pub fn get_field<'a>(data: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if data.len() <= 8 {
        data.iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    } else {
        data.get(name)
    }
}

/// Looks up every slot of `table` in `data` once. Small records (the usual
/// case) are scanned in one pass over their entries, comparing names, which
/// is cheaper than hashing each name; large ones use the map's index.
pub fn resolve_slots<'a>(
    table: &SlotTable,
    data: &'a Map<String, Value>,
    out: &mut [Option<&'a Value>],
) {
    let names = &table.names()[..out.len().min(table.len())];
    if data.len() * names.len() <= 96 {
        // Declared fields are the first slots, in model order, and records
        // mostly come in that order: try the field's own position first.
        for (j, (k, v)) in data.iter().enumerate() {
            let i = match names.get(j) {
                Some(n) if n == k => Some(j),
                _ => names.iter().position(|n| n == k),
            };
            if let Some(i) = i {
                out[i] = Some(v);
            }
        }
    } else {
        for (slot, name) in out.iter_mut().zip(names) {
            *slot = data.get(name.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::json;

    fn run(src: &str, data: Value) -> (Result<bool, EvalError>, bool) {
        let mut t = SlotTable::default();
        let c = Condition::compile(src, &mut t).unwrap();
        let m = data.as_object().unwrap().clone();
        let mut slots = vec![None; t.len()];
        resolve_slots(&t, &m, &mut slots);
        (c.eval_bool(&slots, &m), c.is_native())
    }

    #[test]
    fn native_basics() {
        let d = json!({"quantity": 3, "status": "open", "total": 12000.5, "tags": ["a", "b"], "address": {"city": "Oslo"}});
        for (src, want) in [
            ("quantity >= 0", true),
            ("quantity >= 0 && status != \"held\"", true),
            ("status == 'held' || quantity > 5", false),
            ("total > 10000", true),
            ("quantity + 2 == 5", true),
            ("double(quantity) * 2.0 == 6.0", true),
            ("[quantity] + [2] == [3, 2]", true),
            (
                "int == int && type(quantity) == int && type(total) == double",
                true,
            ),
            ("'open' in [1, 'open', 2] && quantity == 3.0", true),
            ("status in ['open', 'closed']", true),
            ("'a' in tags", true),
            ("size(tags) == 2 && tags.size() == 2", true),
            (
                "status.startsWith('op') && status.endsWith('en') && status.contains('pe')",
                true,
            ),
            ("has(data.status) && !has(data.missing)", true),
            ("address.city == 'Oslo' && has(address.city)", true),
            ("data.quantity == 3", true),
            ("quantity > 1 ? status == 'open' : false", true),
            ("int(total) == 12000", true),
            ("string(quantity) == '3'", true),
            ("-quantity < 0", true),
            ("quantity % 2 == 1", true),
        ] {
            let (r, native) = run(src, d.clone());
            assert_eq!(r, Ok(want), "{src}");
            assert!(native, "{src} should compile natively");
        }
    }

    #[test]
    fn errors_and_absorption() {
        let d = json!({"quantity": 3, "name": "x"});
        assert_eq!(
            run("missing > 0", d.clone()).0,
            Err(EvalError::MissingField("missing".into()))
        );
        assert!(run("name > 0", d.clone()).0.is_err());
        assert_eq!(run("missing > 0 || quantity == 3", d.clone()).0, Ok(true));
        assert_eq!(run("missing > 0 && quantity == 4", d.clone()).0, Ok(false));
        assert!(run("quantity", d.clone()).0.is_err());
        assert_eq!(
            run("quantity / 0 == 1", d.clone()).0,
            Err(EvalError::DivisionByZero)
        );
        assert_eq!(
            run("9223372036854775807 + quantity > 0", d).0,
            Err(EvalError::Overflow)
        );
    }

    #[test]
    fn fallback_to_interpreter() {
        let d = json!({"lines": [1, 2, 3]});
        let (r, native) = run("lines.all(x, x > 0)", d.clone());
        assert!(!native);
        assert_eq!(r, Ok(true));
        let (r, _) = run("lines.exists(x, x > 5)", d);
        assert_eq!(r, Ok(false));
    }

    #[test]
    fn field_literal_shortcuts_agree_with_the_general_path() {
        let values = [
            json!(3),
            json!(3.0),
            json!(-2.5),
            json!("3"),
            json!("abc"),
            json!(true),
            json!(null),
        ];
        let lits = ["3", "3.0", "0", "'abc'", "'3'", "true", "null"];
        let ops = [
            ("<", ">"),
            ("<=", ">="),
            (">", "<"),
            (">=", "<="),
            ("==", "=="),
            ("!=", "!="),
        ];
        for v in &values {
            for l in lits {
                for (op, rev) in ops {
                    let fast = format!("x {op} {l}");
                    let slow = format!("{l} {rev} x");
                    let d = json!({ "x": v });
                    assert_eq!(run(&fast, d.clone()).0, run(&slow, d).0, "{fast} on {v}");
                    let missing = json!({});
                    assert_eq!(
                        run(&fast, missing.clone()).0,
                        run(&slow, missing).0,
                        "{fast} on missing"
                    );
                }
            }
        }
    }

    /// The Pratt parser used at load gives what the ANTLR parser gave: the
    /// same compiled tree (or both fall back to the interpreter, or both
    /// refuse), on tricky syntax and on every condition of the sample models.
    #[test]
    fn pratt_and_antlr_parsers_compile_alike() {
        let mut sources: Vec<String> = [
            r#"quantity >= 0 && status != "held""#,
            "a || b && c",
            "!a == b",
            "-a * b + c % 3 - d / 2",
            "a ? b : c ? d : e",
            "x in [1, 2, 3] && y",
            "a.b.c == 'x'",
            "has(a.b) && has(data.c)",
            r#"s == '\n\'\"' || s == "\u00e9" || s == '''tri"ple''' || s == r'raw\n'"#,
            "x == 3u || x == 1e3 || x == 0x1F || x == -9223372036854775808",
            "x == 1.5 && y == -2.0 && z == .5",
            "size(x) > 0 && x.size() < 10 && x[0] == 1 && m['k'] == 2",
            "s.startsWith('a') && s.endsWith('b') && s.contains('c')",
            "int(x) == 1 && double(y) == 2.0 && string(z) == '3'",
            "lines.all(x, x > 0)",
            "lines.exists(x, x > 5) || lines.map(x, x * 2)[0] == 2",
            "b'abc' == x",
            "{'a': 1}['a'] == 1",
            "null == x && true != false",
            "((((a))))",
            "a <= b && b < c && c > d && d >= e",
            "quantity >=",
            "a &&",
            "'unterminated",
            "1 +* 2",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        fn conditions(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        match (k.as_str(), x) {
                            ("condition", Value::String(c)) => out.push(c.clone()),
                            _ => conditions(x, out),
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| conditions(x, out)),
                _ => {}
            }
        }
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/examples");
        let before = sources.len();
        for entry in std::fs::read_dir(examples).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().ends_with(".model.json") {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            conditions(&serde_json::from_str(&text).unwrap(), &mut sources);
        }
        assert!(
            sources.len() > before + 5,
            "the sample models have conditions"
        );
        for src in &sources {
            let pratt = cel::parser::PrattParser::new().parse(src);
            let antlr = cel::parser::Parser::new().parse(src);
            match (pratt, antlr) {
                (Ok(a), Ok(b)) => {
                    let (mut ta, mut tb) = (SlotTable::default(), SlotTable::default());
                    let na = Compiler { slots: &mut ta }.node(&a).ok();
                    let nb = Compiler { slots: &mut tb }.node(&b).ok();
                    assert_eq!(format!("{na:?}"), format!("{nb:?}"), "{src}");
                    assert_eq!(ta.names(), tb.names(), "{src}");
                }
                (Err(_), Err(_)) => {}
                (a, b) => panic!("{src}: pratt ok {}, antlr ok {}", a.is_ok(), b.is_ok()),
            }
        }
    }

    #[test]
    fn bad_source_is_refused() {
        let mut t = SlotTable::default();
        assert!(Condition::compile("quantity >=", &mut t).is_err());
    }

    /// What the model's checker refuses as too deep or too long, the loader
    /// refuses with the same message instead of exhausting a stack.
    #[test]
    fn too_deep_is_refused_not_crashed() {
        let chain = |n: usize| vec!["a"; n].join(" + ") + " > 0";
        let mut t = SlotTable::default();
        let e = Condition::compile(&chain(4000), &mut t).unwrap_err();
        assert!(e.contains("8192"), "{e}");
        let e = Condition::compile(&chain(2000), &mut t).unwrap_err();
        assert!(e.contains("512"), "{e}");
        let e = Condition::compile_interpreted(&chain(2000), &t).unwrap_err();
        assert!(e.contains("512"), "{e}");
        let parens = format!("{}a{} > 0", "(".repeat(5000), ")".repeat(5000));
        assert!(Condition::compile(&parens, &mut t).is_err());
        assert!(Condition::compile(&"a > 0 || ".repeat(2000), &mut t).is_err());
        // Just within the limit: compiles and evaluates (a debug build needs
        // a larger stack than a release one for it).
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || {
                let (r, native) = run(&chain(500), json!({"a": 1}));
                assert!(native);
                assert_eq!(r, Ok(true));
            })
            .unwrap()
            .join()
            .unwrap();
    }

    proptest::proptest! {
        /// The native evaluator agrees with the cel interpreter on
        /// comparisons and integer arithmetic.
        #[test]
        fn agrees_with_interpreter(a in -1000i64..1000, b in -1000i64..1000, op in 0usize..6) {
            let ops = ["<", "<=", ">", ">=", "==", "!="];
            let src = format!("a + b {} b * 2 - a", ops[op]);
            let data = json!({"a": a, "b": b});
            let (native, is_native) = run(&src, data.clone());
            proptest::prop_assert!(is_native);
            let program = cel::Program::compile(&src).unwrap();
            let mut ctx = cel::Context::default();
            ctx.add_variable_from_value("a", cel::Value::Int(a));
            ctx.add_variable_from_value("b", cel::Value::Int(b));
            let interp = match program.execute(&ctx).unwrap() { cel::Value::Bool(x) => x, _ => panic!() };
            proptest::prop_assert_eq!(native, Ok(interp));
        }
    }
}
