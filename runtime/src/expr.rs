//! CEL conditions compiled once at load.
//!
//! Each condition is parsed with the `cel` crate's parser and compiled from its
//! AST into a small closure-free tree ([`Node`]) over the message's `data`
//! fields. Field names are resolved to *slots* at load: every entity has a slot
//! table (the fields its rules mention), and a decision looks each field up in
//! the message once, then every rule reads its slots.
//!
//! Supported natively: literals, list literals, field access (`quantity`,
//! `data.quantity`, nested `address.city`), `has(data.x)` / `has(a.b)`, `!`,
//! unary `-`, `&&`, `||` (with CEL's error absorption), `? :`, `==`, `!=`,
//! `<`, `<=`, `>`, `>=`, `+`, `-`, `*`, `/`, `%`, `in`, `[]`, `size()`,
//! `contains`, `startsWith`, `endsWith`, `int()`, `double()`, `string()`.
//! Anything else (macros such as `all`/`exists`, timestamps, ...) falls back
//! to the `cel` interpreter, with every top-level data field bound as a
//! variable and the whole record bound as `data`.
//!
//! Numbers compare and are equal across int, uint and double (`quantity >= 0`
//! holds for `3.0`); int arithmetic is checked (overflow is an error); mixed
//! int/double arithmetic is done in double.
//!
//! Evaluation errors (a missing field, a wrong type, an overflow, a result that
//! is not a boolean) are reported as [`EvalError`]; the engine treats a
//! `validate` rule whose condition errs as **failing**, and a `route` rule
//! whose condition errs as **not matching**.

use cel::common::ast::{operators, Expr, IdedExpr, LiteralValue};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

/// Why a condition could not be evaluated on a record.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    MissingField(String),
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
            EvalError::Type(what) => write!(f, "type error: {what}"),
            EvalError::Overflow => f.write_str("integer overflow"),
            EvalError::DivisionByZero => f.write_str("division by zero"),
            EvalError::NotBoolean => f.write_str("condition is not a boolean"),
            EvalError::Interpreter(m) => f.write_str(m),
        }
    }
}

/// Field names of one entity resolved to slot indexes.
#[derive(Debug, Default, Clone)]
pub struct SlotTable {
    names: Vec<String>,
}

impl SlotTable {
    pub fn slot(&mut self, name: &str) -> usize {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i;
        }
        self.names.push(name.to_string());
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
    /// An array or object from the record.
    Json(&'a Value),
    List(Vec<Val<'a>>),
}

impl<'a> Val<'a> {
    pub fn from_json(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Val::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Val::UInt(u)
                } else {
                    Val::Double(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            other => Val::Json(other),
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

    fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::UInt(_) => "uint",
            Val::Double(_) => "double",
            Val::Str(_) => "string",
            Val::Json(Value::Array(_)) | Val::List(_) => "list",
            Val::Json(_) => "map",
        }
    }
}

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

/// CEL equality, lenient across numeric types; values of different kinds are
/// not equal.
pub fn val_eq(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Json(x), Val::Json(y)) => x == y,
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| val_eq(p, q))
        }
        (Val::List(x), Val::Json(Value::Array(y))) | (Val::Json(Value::Array(y)), Val::List(x)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| val_eq(p, &Val::from_json(q)))
        }
        _ => matches!(num_cmp(a, b), Some(Ordering::Equal)),
    }
}

fn val_cmp(a: &Val, b: &Val) -> Result<Ordering, EvalError> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Ok(x.as_ref().cmp(y.as_ref())),
        (Val::Bool(x), Val::Bool(y)) => Ok(x.cmp(y)),
        _ => num_cmp(a, b).ok_or(EvalError::Type("values cannot be ordered")),
    }
}

#[derive(Debug, Clone, Copy)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
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
    /// A top-level data field, by slot.
    Field(usize, Box<str>),
    /// The whole record (`data`).
    Data,
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
    CmpFieldLit(CmpOp, usize, Box<str>, Lit),
    /// `field == literal` / `field != literal`.
    EqFieldLit(bool, usize, Box<str>, Lit),
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
                } else {
                    Ok(Node::Field(self.slots.slot(name), name.as_str().into()))
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
                    (Node::Data, false) => Node::Field(self.slots.slot(field), field.into()),
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
                (Node::Field(s, n), Node::Lit(l)) => Node::CmpFieldLit(op, s, n, l),
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
        if let Some(make) = binary_node(name) {
            let (a, b) = bin(self)?;
            return Ok(make(a, b));
        }
        if let Some(op) = string_method(name) {
            let (a, b) = method(self)?;
            return Ok(Node::Str(op, a, b));
        }
        Ok(match name {
            operators::LOGICAL_NOT => Node::Not(unary(self)?),
            operators::NEGATE => Node::Neg(unary(self)?),
            operators::CONDITIONAL => match (target, args) {
                (None, [c, t, f]) => Node::Cond(self.boxed(c)?, self.boxed(t)?, self.boxed(f)?),
                _ => return Err(Unsupported),
            },
            operators::EQUALS | operators::NOT_EQUALS => {
                let eq = name == operators::EQUALS;
                let (a, b) = bin(self)?;
                match (*a, *b) {
                    (Node::Field(s, n), Node::Lit(l)) | (Node::Lit(l), Node::Field(s, n)) => {
                        Node::EqFieldLit(eq, s, n, l)
                    }
                    (a, b) if eq => Node::Eq(Box::new(a), Box::new(b)),
                    (a, b) => Node::Ne(Box::new(a), Box::new(b)),
                }
            }
            "size" => Node::Size(unary(self)?),
            "int" if target.is_none() => Node::Conv(Conv::Int, unary(self)?),
            "double" if target.is_none() => Node::Conv(Conv::Double, unary(self)?),
            "string" if target.is_none() => Node::Conv(Conv::String, unary(self)?),
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
    slots: Slots<'_, 'a>,
    data: &'a Map<String, Value>,
) -> Result<Val<'a>, EvalError> {
    match slots.get(slot) {
        Some(Some(v)) => Ok(Val::from_json(v)),
        Some(None) => Err(EvalError::MissingField(name.to_string())),
        None => get_field(data, name)
            .map(Val::from_json)
            .ok_or_else(|| EvalError::MissingField(name.to_string())),
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
        Node::Field(slot, name) => field(*slot, name, slots, data),
        Node::Data => Err(EvalError::Type("`data` used as a value")),
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
        Node::CmpFieldLit(op, slot, name, lit) => {
            let a = field(*slot, name, slots, data)?;
            let o = val_cmp(&a, &lit_val(lit))?;
            Ok(Val::Bool(match op {
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Ge => o != Ordering::Less,
            }))
        }
        Node::EqFieldLit(eq, slot, name, lit) => {
            let a = field(*slot, name, slots, data)?;
            Ok(Val::Bool(val_eq(&a, &lit_val(lit)) == *eq))
        }
        Node::Cmp(op, a, b) => {
            let o = val_cmp(&eval(a, slots, data)?, &eval(b, slots, data)?)?;
            Ok(Val::Bool(match op {
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Ge => o != Ordering::Less,
            }))
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
                (Val::Json(Value::Array(v)), Val::Int(i)) => usize::try_from(i)
                    .ok()
                    .and_then(|i| v.get(i))
                    .map(Val::from_json)
                    .ok_or(EvalError::Type("index out of range")),
                (Val::List(v), Val::Int(i)) => usize::try_from(i)
                    .ok()
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
        Node::Conv(c, a) => {
            let v = eval(a, slots, data)?;
            match (c, v) {
                (Conv::Int, Val::Int(i)) => Ok(Val::Int(i)),
                (Conv::Int, Val::UInt(u)) => i64::try_from(u)
                    .map(Val::Int)
                    .map_err(|_| EvalError::Overflow),
                (Conv::Int, Val::Double(d)) => {
                    if d.is_finite() && d > -9.2e18 && d < 9.2e18 {
                        Ok(Val::Int(d.trunc() as i64))
                    } else {
                        Err(EvalError::Overflow)
                    }
                }
                (Conv::Int, Val::Str(s)) => s
                    .parse()
                    .map(Val::Int)
                    .map_err(|_| EvalError::Type("int() of a non-number string")),
                (Conv::Double, v) => match v {
                    Val::Str(s) => s
                        .parse()
                        .map(Val::Double)
                        .map_err(|_| EvalError::Type("double() of a non-number string")),
                    other => other
                        .as_f64()
                        .map(Val::Double)
                        .ok_or(EvalError::Type("double() of a non-number")),
                },
                (Conv::String, Val::Str(s)) => Ok(Val::Str(s)),
                (Conv::String, Val::Int(i)) => Ok(Val::Str(Cow::Owned(i.to_string()))),
                (Conv::String, Val::UInt(u)) => Ok(Val::Str(Cow::Owned(u.to_string()))),
                (Conv::String, Val::Double(d)) => Ok(Val::Str(Cow::Owned(d.to_string()))),
                (Conv::String, Val::Bool(b)) => Ok(Val::Str(Cow::Owned(b.to_string()))),
                (_, v) => Err(EvalError::Type(match v.type_name() {
                    "null" => "conversion of null",
                    _ => "unsupported conversion",
                })),
            }
        }
    }
}

fn arith<'a>(op: ArOp, a: Val<'a>, b: Val<'a>) -> Result<Val<'a>, EvalError> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => match op {
            ArOp::Add => x.checked_add(y),
            ArOp::Sub => x.checked_sub(y),
            ArOp::Mul => x.checked_mul(y),
            ArOp::Div => {
                if y == 0 {
                    return Err(EvalError::DivisionByZero);
                }
                x.checked_div(y)
            }
            ArOp::Rem => {
                if y == 0 {
                    return Err(EvalError::DivisionByZero);
                }
                x.checked_rem(y)
            }
        }
        .map(Val::Int)
        .ok_or(EvalError::Overflow),
        (Val::UInt(x), Val::UInt(y)) => match op {
            ArOp::Add => x.checked_add(y),
            ArOp::Sub => x.checked_sub(y),
            ArOp::Mul => x.checked_mul(y),
            ArOp::Div => {
                if y == 0 {
                    return Err(EvalError::DivisionByZero);
                }
                x.checked_div(y)
            }
            ArOp::Rem => {
                if y == 0 {
                    return Err(EvalError::DivisionByZero);
                }
                x.checked_rem(y)
            }
        }
        .map(Val::UInt)
        .ok_or(EvalError::Overflow),
        (Val::Str(x), Val::Str(y)) if matches!(op, ArOp::Add) => {
            let mut s = x.into_owned();
            s.push_str(&y);
            Ok(Val::Str(Cow::Owned(s)))
        }
        (a, b) => {
            let (x, y) = match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => (x, y),
                _ => return Err(EvalError::Type("arithmetic on non-numbers")),
            };
            Ok(Val::Double(match op {
                ArOp::Add => x + y,
                ArOp::Sub => x - y,
                ArOp::Mul => x * y,
                ArOp::Div => x / y,
                ArOp::Rem => return Err(EvalError::Type("% on doubles")),
            }))
        }
    }
}

#[derive(Debug)]
enum Imp {
    Native(Node),
    Interpreter(Box<cel::Program>),
}

/// Parses a condition with the `cel` crate's Pratt parser (the same syntax
/// tree as its ANTLR parser, many times faster; the one `charter-model`
/// checks conditions with). The parser is third-party code: a panic in it is
/// a parse error, not a crash.
fn parse(source: &str) -> Result<IdedExpr, String> {
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
            Err(Unsupported) => {
                let program = cel::Program::compile(source).map_err(|e| {
                    e.to_string()
                        .lines()
                        .next()
                        .unwrap_or("parse error")
                        .to_string()
                })?;
                Imp::Interpreter(Box::new(program))
            }
        };
        Ok(Condition {
            source: source.to_string(),
            imp,
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
            Imp::Interpreter(program) => {
                let mut ctx = cel::Context::default();
                for (k, v) in data {
                    let value =
                        cel::to_value(v).map_err(|e| EvalError::Interpreter(e.to_string()))?;
                    ctx.add_variable_from_value(k.as_str(), value);
                }
                let whole =
                    cel::to_value(data).map_err(|e| EvalError::Interpreter(e.to_string()))?;
                ctx.add_variable_from_value("data", whole);
                match program.execute(&ctx) {
                    Ok(cel::Value::Bool(b)) => Ok(b),
                    Ok(_) => Err(EvalError::NotBoolean),
                    Err(e) => Err(EvalError::Interpreter(e.to_string())),
                }
            }
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
        for (k, v) in data {
            if let Some(i) = names.iter().position(|n| n == k) {
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
            ("quantity * 2.0 == 6.0", true),
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
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
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
