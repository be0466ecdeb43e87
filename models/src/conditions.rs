//! CEL conditions: parsing and checking against an entity's fields.
//!
//! [`check_condition`] parses a condition with the `cel` crate (its Pratt
//! parser, the `parser_pratt` feature: same syntax tree as the ANTLR parser,
//! about 30 times faster, clearer messages) and runs a small type inference
//! over its syntax tree. The fields of the entity are
//! the condition's variables: `integer` fields are CEL `int`, `number` fields
//! `double`, `string`/`date`/`datetime`/`enum` fields `string`, `boolean`
//! fields `bool`. Whatever cannot be typed (a function result of unknown type,
//! a map entry) is dynamic and never gives a false error.
//!
//! It agrees with CEL's type checker on what is valid (a list literal of
//! mixed element types is a `list(dyn)`, in which anything may be looked
//! for), names what Charter does not support (two-variable comprehensions,
//! extension libraries) and refuses what the runtime can never evaluate
//! (`timestamp()` of a `date` field or of text that is not RFC 3339, trees
//! deeper than [`MAX_TREE_DEPTH`]). See docs/cel.md; the runtime's CEL
//! conformance and differential tests check both sides.
//!
//! The checks module calls this for every validate and route rule; the app's
//! rule form calls it as the user types.

use crate::checks::FindingCode;
use crate::file::did_you_mean;
use crate::model::{Entity, Field, FieldType};
use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue};
use serde::Serialize;

/// One problem of a condition. `code` is one of the `condition-*` codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConditionProblem {
    pub code: FindingCode,
    /// One line, quoting the condition's own words.
    pub message: String,
    /// The suggested fix.
    pub fix: Option<String>,
}

/// Conditions nested deeper than this are refused before parsing (the parser
/// and the checker recurse; this keeps any input from exhausting the stack).
const MAX_NESTING: usize = 64;
/// Conditions longer than this are refused (a condition is one business rule).
const MAX_LENGTH: usize = 8192;

/// Syntax trees deeper than this are refused (a chain of 512 operators, as
/// `a + a + ...`): the runtime compiles and evaluates conditions
/// recursively, on threads with 2 MiB stacks. The runtime refuses the same.
pub const MAX_TREE_DEPTH: usize = 512;

/// The depth of a syntax tree, measured without recursion (so that any tree
/// the parser builds can be measured).
pub fn tree_depth(root: &IdedExpr) -> usize {
    let mut max = 0;
    let mut stack: Vec<(&IdedExpr, usize)> = vec![(root, 1)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        let d = d + 1;
        match &e.expr {
            Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
            Expr::Select(sel) => stack.push((&sel.operand, d)),
            Expr::List(list) => stack.extend(list.elements.iter().map(|x| (x, d))),
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(m) = &entry.expr {
                        stack.push((&m.key, d));
                        stack.push((&m.value, d));
                    }
                }
            }
            Expr::Struct(st) => {
                for entry in &st.entries {
                    match &entry.expr {
                        EntryExpr::StructField(f) => stack.push((&f.value, d)),
                        EntryExpr::MapEntry(m) => {
                            stack.push((&m.key, d));
                            stack.push((&m.value, d));
                        }
                    }
                }
            }
            Expr::Comprehension(c) => {
                for x in [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ] {
                    stack.push((x, d));
                }
            }
            Expr::Call(call) => {
                if let Some(t) = &call.target {
                    stack.push((t, d));
                }
                stack.extend(call.args.iter().map(|x| (x, d)));
            }
        }
    }
    max
}

/// The problem of a syntax tree too deep to evaluate safely, if it is.
pub fn depth_problem(expr: &IdedExpr) -> Option<ConditionProblem> {
    (tree_depth(expr) > MAX_TREE_DEPTH).then(|| ConditionProblem {
        code: FindingCode::ConditionSyntax,
        message: format!(
            "the condition is nested more than {MAX_TREE_DEPTH} levels deep (a chain of that many operators)"
        ),
        fix: Some("split it into several rules, or use `in` with a list".into()),
    })
}

/// Checks one CEL condition against the fields of `entity`: syntax, unknown
/// fields, unknown functions and type mismatches. An entity that declares no
/// fields yet makes every identifier dynamic (only syntax and functions are
/// checked then).
pub fn check_condition(condition: &str, entity: &Entity) -> Vec<ConditionProblem> {
    if let Some(problem) = precheck(condition) {
        return vec![problem];
    }
    // The parser is third-party code: a panic in it must not take the
    // caller down, so it becomes a syntax problem.
    let parsed = std::panic::catch_unwind(|| cel::parser::PrattParser::new().parse(condition));
    let expr = match parsed {
        Ok(Ok(expr)) => expr,
        Ok(Err(errors)) => return vec![syntax_problem(condition, &errors)],
        Err(_) => {
            return vec![ConditionProblem {
                code: FindingCode::ConditionSyntax,
                message: "the condition does not parse (the CEL parser failed on it)".into(),
                fix: Some("simplify the condition".into()),
            }]
        }
    };
    if let Some(problem) = depth_problem(&expr) {
        return vec![problem];
    }
    let mut checker = Checker {
        entity,
        lenient: entity.fields.is_empty(),
        scopes: Vec::new(),
        problems: Vec::new(),
        reported: Vec::new(),
    };
    let ty = checker.infer(&expr, 0);
    if !matches!(ty, Ty::Bool | Ty::Dyn) {
        checker.mismatch(
            format!(
                "`{}` gives {}, not true or false: a condition must be true or false",
                show(&expr),
                ty.describe()
            ),
            compare_fix(ty, &show(&expr)),
        );
    }
    checker.problems
}

/// The limits checked on a condition's text before it is parsed: not
/// empty, at most 8192 characters, brackets and prefix operators nested at
/// most 64 deep. The runtime checks the same before compiling.
pub fn precheck(condition: &str) -> Option<ConditionProblem> {
    if condition.trim().is_empty() {
        return Some(ConditionProblem {
            code: FindingCode::ConditionSyntax,
            message: "the condition is empty".to_string(),
            fix: Some("write a condition over the entity's fields, e.g. `quantity >= 0`".into()),
        });
    }
    if condition.len() > MAX_LENGTH {
        return Some(ConditionProblem {
            code: FindingCode::ConditionSyntax,
            message: format!(
                "the condition is {} characters long (at most {MAX_LENGTH})",
                condition.len()
            ),
            fix: Some("split it into several rules".into()),
        });
    }
    // Nesting depth of brackets outside string literals, and of unary
    // operators, bounds the depth of the syntax tree the parser builds.
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prefix_run = 0usize;
    for c in condition.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c == '!' || c == '-' {
            prefix_run += 1;
            max = max.max(depth + prefix_run);
        } else if !c.is_whitespace() {
            prefix_run = 0;
        }
    }
    if max > MAX_NESTING {
        return Some(ConditionProblem {
            code: FindingCode::ConditionSyntax,
            message: format!("the condition is nested more than {MAX_NESTING} levels deep"),
            fix: Some("simplify it, or split it into several rules".into()),
        });
    }
    None
}

fn syntax_problem(condition: &str, errors: &cel::ParseErrors) -> ConditionProblem {
    let detail = match errors.errors.first() {
        Some(e) => {
            let msg = e.msg.trim();
            let msg = msg.strip_prefix("Syntax error: ").unwrap_or(msg);
            let (line, col) = e.pos;
            if line <= 0 {
                msg.to_string()
            } else if condition.contains('\n') {
                format!("{msg} (line {line}, column {col})")
            } else {
                format!("{msg} (at column {col})")
            }
        }
        None => "unknown parse error".to_string(),
    };
    let more = match errors.errors.len() {
        0 | 1 => String::new(),
        n => format!(
            " and {} more problem{}",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    ConditionProblem {
        code: FindingCode::ConditionSyntax,
        message: format!("the condition does not parse: {detail}{more}"),
        fix: Some(
            "write CEL over the entity's fields, e.g. `quantity >= 0 && status != \"held\"`".into(),
        ),
    }
}

/// The CEL type of an expression, as far as it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Bool,
    Int,
    Uint,
    Double,
    Str,
    Bytes,
    Null,
    List,
    Map,
    Type,
    /// `timestamp(...)`: a point in time.
    Timestamp,
    /// `duration(...)`: a length of time.
    Duration,
    /// Not known: anything goes.
    Dyn,
}

impl Ty {
    fn describe(self) -> &'static str {
        match self {
            Ty::Bool => "true/false",
            Ty::Int => "an integer",
            Ty::Uint => "an unsigned integer",
            Ty::Double => "a number",
            Ty::Str => "text",
            Ty::Bytes => "bytes",
            Ty::Null => "null",
            Ty::List => "a list",
            Ty::Map => "a map",
            Ty::Type => "a type",
            Ty::Timestamp => "a time",
            Ty::Duration => "a duration",
            Ty::Dyn => "a value",
        }
    }

    fn is_numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Uint | Ty::Double)
    }

    fn of_field(field: &Field) -> Ty {
        match field.field_type {
            FieldType::Integer => Ty::Int,
            FieldType::Number => Ty::Double,
            FieldType::Boolean => Ty::Bool,
            FieldType::String | FieldType::Date | FieldType::Datetime | FieldType::Enum => Ty::Str,
        }
    }
}

fn eq_compatible(a: Ty, b: Ty) -> bool {
    a == b
        || matches!(a, Ty::Dyn | Ty::Null)
        || matches!(b, Ty::Dyn | Ty::Null)
        || (a.is_numeric() && b.is_numeric())
}

fn ord_compatible(a: Ty, b: Ty) -> bool {
    if a == Ty::Dyn || b == Ty::Dyn {
        return !matches!(a, Ty::Null | Ty::List | Ty::Map | Ty::Type)
            && !matches!(b, Ty::Null | Ty::List | Ty::Map | Ty::Type);
    }
    (a.is_numeric() && b.is_numeric())
        || (a == b
            && matches!(
                a,
                Ty::Str | Ty::Bytes | Ty::Bool | Ty::Timestamp | Ty::Duration
            ))
}

/// Known global functions and their result types (`None`: dynamic).
const GLOBAL_FUNCTIONS: &[(&str, Option<Ty>)] = &[
    ("size", Some(Ty::Int)),
    ("int", Some(Ty::Int)),
    ("uint", Some(Ty::Uint)),
    ("double", Some(Ty::Double)),
    ("string", Some(Ty::Str)),
    ("bool", Some(Ty::Bool)),
    ("bytes", Some(Ty::Bytes)),
    ("dyn", None),
    ("type", Some(Ty::Type)),
    ("timestamp", Some(Ty::Timestamp)),
    ("duration", Some(Ty::Duration)),
    ("matches", Some(Ty::Bool)),
];

/// Known member functions and their result types (`None`: dynamic).
const MEMBER_FUNCTIONS: &[(&str, Option<Ty>)] = &[
    ("size", Some(Ty::Int)),
    ("contains", Some(Ty::Bool)),
    ("startsWith", Some(Ty::Bool)),
    ("endsWith", Some(Ty::Bool)),
    ("matches", Some(Ty::Bool)),
    ("lowerAscii", Some(Ty::Str)),
    ("upperAscii", Some(Ty::Str)),
    ("trim", Some(Ty::Str)),
    ("replace", Some(Ty::Str)),
    ("substring", Some(Ty::Str)),
    ("charAt", Some(Ty::Str)),
    ("reverse", None),
    ("indexOf", Some(Ty::Int)),
    ("lastIndexOf", Some(Ty::Int)),
    ("split", Some(Ty::List)),
    ("join", Some(Ty::Str)),
    ("format", Some(Ty::Str)),
    ("getFullYear", Some(Ty::Int)),
    ("getMonth", Some(Ty::Int)),
    ("getDate", Some(Ty::Int)),
    ("getDayOfMonth", Some(Ty::Int)),
    ("getDayOfWeek", Some(Ty::Int)),
    ("getDayOfYear", Some(Ty::Int)),
    ("getHours", Some(Ty::Int)),
    ("getMinutes", Some(Ty::Int)),
    ("getSeconds", Some(Ty::Int)),
    ("getMilliseconds", Some(Ty::Int)),
];

/// The macros (expanded by the parser when called the supported way).
const MACROS: &[&str] = &["all", "exists", "exists_one", "map", "filter", "has"];

/// Macros with a two-variable form in newer CEL (`exists(i, v, p)`), with
/// the one-variable macro to use instead.
const TWO_VARIABLE_MACROS: &[(&str, &str)] = &[
    ("all", "all"),
    ("exists", "exists"),
    ("exists_one", "exists_one"),
    ("existsOne", "exists_one"),
    ("transformList", "map"),
    ("transformMap", "map"),
];

/// Functions of CEL's extension libraries that conditions do not support.
const EXTENSION_FUNCTIONS: &[&str] = &[
    "max",
    "min",
    "quote",
    "sort",
    "sortBy",
    "flatten",
    "distinct",
    "slice",
    "range",
    "first",
    "last",
    "greatest",
    "least",
    "abs",
    "ceil",
    "floor",
    "round",
    "trunc",
    "sign",
    "isNaN",
    "isInf",
    "isFinite",
    "bitAnd",
    "bitOr",
    "bitXor",
    "bitNot",
    "bitShiftLeft",
    "bitShiftRight",
    "encode",
    "decode",
    "optMap",
    "optFlatMap",
    "orValue",
    "hasValue",
    "value",
    "isEmpty",
    "transformMapEntry",
];

/// String methods that need text on both sides.
const STRING_PREDICATES: &[&str] = &["contains", "startsWith", "endsWith", "matches"];

const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
];

/// Deeper than this, the checker stops typing (the precheck keeps real
/// conditions far below it).
const MAX_DEPTH: usize = 256;

struct Checker<'a> {
    entity: &'a Entity,
    lenient: bool,
    scopes: Vec<(String, Ty)>,
    problems: Vec<ConditionProblem>,
    /// Identifiers and functions already reported, to report each once.
    reported: Vec<String>,
}

impl Checker<'_> {
    fn mismatch(&mut self, message: String, fix: String) {
        self.problems.push(ConditionProblem {
            code: FindingCode::ConditionTypeMismatch,
            message,
            fix: Some(fix),
        });
    }

    fn field(&self, name: &str) -> Option<&Field> {
        if self.scopes.iter().any(|(n, _)| n == name) {
            return None;
        }
        self.entity.fields.iter().find(|f| f.name == name)
    }

    fn field_list(&self) -> String {
        let names: Vec<String> = self
            .entity
            .fields
            .iter()
            .take(10)
            .map(|f| format!("`{}`", f.name))
            .collect();
        let more = self.entity.fields.len().saturating_sub(10);
        if more > 0 {
            format!("{} and {more} more", names.join(", "))
        } else {
            names.join(", ")
        }
    }

    fn ident(&mut self, name: &str) -> Ty {
        if let Some((_, ty)) = self.scopes.iter().rev().find(|(n, _)| n == name) {
            return *ty;
        }
        if let Some(f) = self.entity.fields.iter().find(|f| f.name == name) {
            return Ty::of_field(f);
        }
        if TYPE_NAMES.contains(&name) {
            return Ty::Type;
        }
        // The whole record, as the runtime binds it: `has(data.x)`.
        if name == "data" {
            return Ty::Map;
        }
        if self.lenient {
            return Ty::Dyn;
        }
        if !self.reported.iter().any(|r| r == name) {
            self.reported.push(name.to_string());
            let hint = did_you_mean(name, self.entity.fields.iter().map(|f| f.name.as_str()))
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_default();
            let fix = format!(
                "use one of the fields of {}: {}, or declare `{name}` as a field",
                self.entity.name,
                self.field_list()
            );
            self.problems.push(ConditionProblem {
                code: FindingCode::ConditionUnknownField,
                message: format!("`{name}` is not a field of {}{hint}", self.entity.name),
                fix: Some(fix),
            });
        }
        Ty::Dyn
    }

    fn unknown_function(&mut self, name: &str, member: bool, arity: usize) {
        let key = format!("fn:{name}");
        if self.reported.contains(&key) {
            return;
        }
        self.reported.push(key);
        let known = if member {
            MEMBER_FUNCTIONS
        } else {
            GLOBAL_FUNCTIONS
        };
        let (message, fix) = if let Some(one) = TWO_VARIABLE_MACROS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, one)| *one)
            .filter(|_| member && arity == 3)
        {
            (
                format!("the two-variable form of `{name}` is not supported"),
                format!("use the one-variable form, e.g. `list.{one}(x, x > 0)`"),
            )
        } else if MACROS.contains(&name) {
            (
                format!("`{name}` with {arity} argument(s) is not supported"),
                format!("call it on a list with a variable and a condition, e.g. `list.{name}(x, x > 0)`"),
            )
        } else if EXTENSION_FUNCTIONS.contains(&name) {
            (
                format!("`{name}` (from a CEL extension library) is not supported in conditions"),
                "use the standard CEL functions listed in docs/cel.md".to_string(),
            )
        } else {
            let hint = did_you_mean(name, known.iter().map(|(n, _)| *n))
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_default();
            (
                format!("`{name}` is not a function Charter supports in conditions{hint}"),
                "use standard CEL: comparisons, `&&`, `||`, `in`, `size`, `has`, `contains`, `startsWith`, `endsWith`, `matches` (see docs/cel.md)"
                    .to_string(),
            )
        };
        self.problems.push(ConditionProblem {
            code: FindingCode::ConditionUnknownFunction,
            message,
            fix: Some(fix),
        });
    }

    /// Reports a string literal compared with an enum field that is not one
    /// of its values.
    fn enum_check(&mut self, field_side: &IdedExpr, other: &IdedExpr) {
        let Expr::Ident(name) = &field_side.expr else {
            return;
        };
        let Expr::Literal(LiteralValue::String(s)) = &other.expr else {
            return;
        };
        let Some(field) = self.field(name) else {
            return;
        };
        if field.field_type != FieldType::Enum {
            return;
        }
        let Some(values) = &field.values else {
            return;
        };
        let s = s.inner();
        if values.iter().any(|v| v == s) {
            return;
        }
        let hint = did_you_mean(s, values.iter().map(String::as_str))
            .map(|m| format!("; did you mean \"{m}\"?"))
            .unwrap_or_default();
        let list = values
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let name = name.clone();
        self.mismatch(
            format!("\"{s}\" is not a value of `{name}` (one of {list}){hint}"),
            format!("compare `{name}` with one of {list}, or add \"{s}\" to its values"),
        );
    }

    fn infer(&mut self, e: &IdedExpr, depth: usize) -> Ty {
        if depth > MAX_DEPTH {
            return Ty::Dyn;
        }
        let d = depth + 1;
        match &e.expr {
            Expr::Unspecified => Ty::Dyn,
            Expr::Ident(name) => self.ident(name),
            Expr::Literal(lit) => match lit {
                LiteralValue::Boolean(_) => Ty::Bool,
                LiteralValue::Bytes(_) => Ty::Bytes,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::Int(_) => Ty::Int,
                LiteralValue::Null => Ty::Null,
                LiteralValue::String(_) => Ty::Str,
                LiteralValue::UInt(_) => Ty::Uint,
            },
            Expr::List(list) => {
                for el in &list.elements {
                    self.infer(el, d);
                }
                Ty::List
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(m) = &entry.expr {
                        self.infer(&m.key, d);
                        self.infer(&m.value, d);
                    }
                }
                Ty::Map
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    match &entry.expr {
                        EntryExpr::StructField(f) => {
                            self.infer(&f.value, d);
                        }
                        EntryExpr::MapEntry(m) => {
                            self.infer(&m.key, d);
                            self.infer(&m.value, d);
                        }
                    }
                }
                Ty::Dyn
            }
            Expr::Select(sel) => {
                let operand = self.infer(&sel.operand, d);
                if !matches!(operand, Ty::Map | Ty::Dyn) {
                    self.mismatch(
                        format!(
                            "`{}` is {} and has no field `{}`",
                            show(&sel.operand),
                            operand.describe(),
                            sel.field
                        ),
                        format!(
                            "the fields of {} are plain values: use `{}` itself",
                            self.entity.name,
                            show(&sel.operand)
                        ),
                    );
                }
                if sel.test {
                    Ty::Bool
                } else {
                    Ty::Dyn
                }
            }
            Expr::Comprehension(c) => {
                let range = self.infer(&c.iter_range, d);
                if !matches!(range, Ty::List | Ty::Map | Ty::Dyn) {
                    self.mismatch(
                        format!(
                            "`{}` is {}: only lists and maps can be looped over",
                            show(&c.iter_range),
                            range.describe()
                        ),
                        "loop over a list, e.g. `[\"a\", \"b\"].exists(x, x == status)`".into(),
                    );
                }
                let accu = self.infer(&c.accu_init, d);
                let mark = self.scopes.len();
                self.scopes.push((c.iter_var.clone(), Ty::Dyn));
                if let Some(v2) = &c.iter_var2 {
                    self.scopes.push((v2.clone(), Ty::Dyn));
                }
                self.scopes.push((c.accu_var.clone(), accu));
                self.infer(&c.loop_cond, d);
                self.infer(&c.loop_step, d);
                let result = self.infer(&c.result, d);
                self.scopes.truncate(mark);
                result
            }
            Expr::Call(call) => self.call(e, call, d),
        }
    }

    fn call(&mut self, whole: &IdedExpr, call: &CallExpr, d: usize) -> Ty {
        let name = call.func_name.as_str();
        let args = &call.args;
        if let Some(target) = &call.target {
            return self.member_call(whole, target, name, args, d);
        }
        let arg_types: Vec<Ty> = args.iter().map(|a| self.infer(a, d)).collect();
        let t = |i: usize| arg_types.get(i).copied().unwrap_or(Ty::Dyn);
        let src = || show(whole);
        match name {
            "_==_" | "_!=_" => {
                if !eq_compatible(t(0), t(1)) {
                    let fix = text_as_time_fix(args, t(0), t(1)).unwrap_or_else(|| {
                        format!(
                            "compare `{}` with {}",
                            args.first().map(show).unwrap_or_default(),
                            t(0).describe()
                        )
                    });
                    self.mismatch(
                        format!(
                            "`{}` compares {} with {}",
                            src(),
                            t(0).describe(),
                            t(1).describe()
                        ),
                        fix,
                    );
                } else if let (Some(a), Some(b)) = (args.first(), args.get(1)) {
                    self.enum_check(a, b);
                    self.enum_check(b, a);
                }
                Ty::Bool
            }
            "_<_" | "_<=_" | "_>_" | "_>=_" => {
                if !ord_compatible(t(0), t(1)) {
                    let fix = text_as_time_fix(args, t(0), t(1)).unwrap_or_else(|| {
                        "order numbers against numbers, text against text, or times against times"
                            .into()
                    });
                    self.mismatch(
                        format!(
                            "`{}` orders {} against {}",
                            src(),
                            t(0).describe(),
                            t(1).describe()
                        ),
                        fix,
                    );
                }
                Ty::Bool
            }
            "_&&_" | "_||_" => {
                let op = if name == "_&&_" { "&&" } else { "||" };
                for (a, ty) in args.iter().zip(&arg_types) {
                    if !matches!(ty, Ty::Bool | Ty::Dyn) {
                        self.mismatch(
                            format!(
                                "`{}` is {}, but `{op}` needs true/false on both sides",
                                show(a),
                                ty.describe()
                            ),
                            compare_fix(*ty, &show(a)),
                        );
                    }
                }
                Ty::Bool
            }
            "!_" => {
                if !matches!(t(0), Ty::Bool | Ty::Dyn) {
                    self.mismatch(
                        format!(
                            "`{}` negates {}: `!` needs true/false",
                            src(),
                            t(0).describe()
                        ),
                        "negate a comparison, e.g. `!(quantity > 0)`".into(),
                    );
                }
                Ty::Bool
            }
            "@not_strictly_false" => Ty::Bool,
            "-_" => match t(0) {
                Ty::Int | Ty::Double | Ty::Dyn => t(0),
                other => {
                    self.mismatch(
                        format!(
                            "`{}` negates {}: `-` needs a signed number",
                            src(),
                            other.describe()
                        ),
                        "negate an integer or a number".into(),
                    );
                    Ty::Dyn
                }
            },
            "_+_" | "_-_" | "_*_" | "_/_" | "_%_" => self.arithmetic(whole, name, t(0), t(1)),
            "_?_:_" => {
                if !matches!(t(0), Ty::Bool | Ty::Dyn) {
                    self.mismatch(
                        format!(
                            "the test of `{}` is {}, not true/false",
                            src(),
                            t(0).describe()
                        ),
                        "make the part before `?` a comparison".into(),
                    );
                }
                if t(1) == t(2) {
                    t(1)
                } else {
                    Ty::Dyn
                }
            }
            "@in" => {
                match t(1) {
                    Ty::List | Ty::Map | Ty::Dyn => {}
                    other => self.mismatch(
                        format!(
                            "`{}` looks for a value in {}: `in` needs a list",
                            src(),
                            other.describe()
                        ),
                        "write the values as a list, e.g. `status in [\"open\", \"held\"]`".into(),
                    ),
                }
                if let (Some(lhs), Some(rhs)) = (args.first(), args.get(1)) {
                    if let Expr::List(list) = &rhs.expr {
                        // As CEL types a list literal: elements of one type
                        // make a list of that type, mixed ones a list of
                        // `dyn`, where anything may be looked for
                        // (`'elem' in [1, 'elem', 2]`).
                        let lt = t(0);
                        let types: Vec<Option<Ty>> =
                            list.elements.iter().map(literal_type).collect();
                        let elem = match types.first() {
                            Some(Some(first)) if types.iter().all(|t| *t == Some(*first)) => {
                                Some(*first)
                            }
                            _ => None,
                        };
                        if let (Some(et), Some(el)) = (elem, list.elements.first()) {
                            if !eq_compatible(lt, et) {
                                self.mismatch(
                                    format!(
                                        "`{}` looks for {} among {} (`{}`)",
                                        src(),
                                        lt.describe(),
                                        et.describe(),
                                        show(el)
                                    ),
                                    format!("list values of the same kind as `{}`", show(lhs)),
                                );
                            }
                        }
                        for el in &list.elements {
                            self.enum_check(lhs, el);
                        }
                    }
                }
                Ty::Bool
            }
            "_[_]" | "_[?_]" => {
                if !matches!(t(0), Ty::List | Ty::Map | Ty::Dyn) {
                    self.mismatch(
                        format!(
                            "`{}` indexes {}: only lists and maps can be indexed",
                            src(),
                            t(0).describe()
                        ),
                        "index a list or a map".into(),
                    );
                }
                Ty::Dyn
            }
            "size" => {
                if !matches!(t(0), Ty::Str | Ty::Bytes | Ty::List | Ty::Map | Ty::Dyn) {
                    self.mismatch(
                        format!("`{}` takes the size of {}", src(), t(0).describe()),
                        "take the size of text or a list".into(),
                    );
                }
                Ty::Int
            }
            "matches" => {
                for (a, ty) in args.iter().zip(&arg_types) {
                    self.need_text(whole, a, *ty);
                }
                Ty::Bool
            }
            "timestamp" => {
                if !matches!(t(0), Ty::Str | Ty::Int | Ty::Timestamp | Ty::Dyn) {
                    self.mismatch(
                        format!("`{}` makes a time of {}", src(), t(0).describe()),
                        "make a time of text, e.g. `timestamp(\"2026-01-01T00:00:00Z\")`, or of a datetime field".into(),
                    );
                } else if let Some(arg) = args.first() {
                    self.time_text_check(whole, arg);
                }
                Ty::Timestamp
            }
            "duration" => {
                if !matches!(t(0), Ty::Str | Ty::Duration | Ty::Dyn) {
                    self.mismatch(
                        format!("`{}` makes a duration of {}", src(), t(0).describe()),
                        "make a duration of text, e.g. `duration(\"1h30m\")`".into(),
                    );
                }
                Ty::Duration
            }
            _ => match GLOBAL_FUNCTIONS.iter().find(|(n, _)| *n == name) {
                Some((_, ty)) => ty.unwrap_or(Ty::Dyn),
                None => {
                    self.unknown_function(name, false, args.len());
                    Ty::Dyn
                }
            },
        }
    }

    /// `timestamp(x)` needs RFC 3339 text: a `date` field (`YYYY-MM-DD`) or
    /// a literal that is not such a time always fails at run time.
    fn time_text_check(&mut self, whole: &IdedExpr, arg: &IdedExpr) {
        match &arg.expr {
            Expr::Ident(name) => {
                let is_date = self
                    .field(name)
                    .is_some_and(|f| f.field_type == FieldType::Date);
                if is_date {
                    self.mismatch(
                        format!(
                            "`{}` makes a time of `{name}`, a date (YYYY-MM-DD): `timestamp` needs a date and a time",
                            show(whole)
                        ),
                        format!("add the time of day: `timestamp({name} + \"T00:00:00Z\")`, or compare the dates as text"),
                    );
                }
            }
            Expr::Literal(LiteralValue::String(s)) if !is_rfc3339(s.inner()) => {
                self.mismatch(
                    format!(
                        "`{}`: \"{}\" is not an RFC 3339 time",
                        show(whole),
                        s.inner()
                    ),
                    "write the time as `timestamp(\"2026-01-01T00:00:00Z\")` (date, `T`, time, `Z` or an offset)".into(),
                );
            }
            _ => {}
        }
    }

    fn need_text(&mut self, whole: &IdedExpr, part: &IdedExpr, ty: Ty) {
        if !matches!(ty, Ty::Str | Ty::Dyn) {
            self.mismatch(
                format!(
                    "`{}` needs text, but `{}` is {}",
                    show(whole),
                    show(part),
                    ty.describe()
                ),
                format!(
                    "use a text field or a quoted string instead of `{}`",
                    show(part)
                ),
            );
        }
    }

    fn member_call(
        &mut self,
        whole: &IdedExpr,
        target: &IdedExpr,
        name: &str,
        args: &[IdedExpr],
        d: usize,
    ) -> Ty {
        let target_ty = self.infer(target, d);
        // A macro written in a form the parser does not expand (the
        // two-variable `exists(i, v, p)`): its leading identifiers are the
        // loop's variables, not fields.
        if MACROS.contains(&name) || TWO_VARIABLE_MACROS.iter().any(|(n, _)| *n == name) {
            let mark = self.scopes.len();
            if let Some((body, vars)) = args.split_last() {
                for v in vars {
                    match &v.expr {
                        Expr::Ident(n) => self.scopes.push((n.clone(), Ty::Dyn)),
                        _ => {
                            self.infer(v, d);
                        }
                    }
                }
                self.infer(body, d);
            }
            self.scopes.truncate(mark);
            self.unknown_function(name, true, args.len());
            return Ty::Dyn;
        }
        let arg_types: Vec<Ty> = args.iter().map(|a| self.infer(a, d)).collect();
        if STRING_PREDICATES.contains(&name) {
            self.need_text(whole, target, target_ty);
            for (a, ty) in args.iter().zip(&arg_types) {
                self.need_text(whole, a, *ty);
            }
            return Ty::Bool;
        }
        if name == "size" {
            if !matches!(
                target_ty,
                Ty::Str | Ty::Bytes | Ty::List | Ty::Map | Ty::Dyn
            ) {
                self.mismatch(
                    format!(
                        "`{}` takes the size of {}",
                        show(whole),
                        target_ty.describe()
                    ),
                    "take the size of text or a list".into(),
                );
            }
            return Ty::Int;
        }
        if name.starts_with("get") && MEMBER_FUNCTIONS.iter().any(|(n, _)| *n == name) {
            let on_duration = matches!(
                name,
                "getHours" | "getMinutes" | "getSeconds" | "getMilliseconds"
            );
            let fits = matches!(target_ty, Ty::Timestamp | Ty::Dyn)
                || (on_duration && target_ty == Ty::Duration);
            if !fits {
                let fix = if target_ty == Ty::Str {
                    format!(
                        "make the text a time first: `timestamp({}).{name}()`",
                        show(target)
                    )
                } else {
                    format!("call `{name}` on a time, e.g. `timestamp(...).{name}()`")
                };
                self.mismatch(
                    format!(
                        "`{}` calls `{name}` on {}, which needs a time",
                        show(whole),
                        target_ty.describe()
                    ),
                    fix,
                );
            }
            return Ty::Int;
        }
        match MEMBER_FUNCTIONS.iter().find(|(n, _)| *n == name) {
            Some((_, ty)) => ty.unwrap_or(Ty::Dyn),
            None => {
                self.unknown_function(name, true, args.len());
                Ty::Dyn
            }
        }
    }

    fn arithmetic(&mut self, whole: &IdedExpr, name: &str, a: Ty, b: Ty) -> Ty {
        // Time arithmetic: time - time, time ± duration, duration ± duration.
        if matches!(a, Ty::Timestamp | Ty::Duration) || matches!(b, Ty::Timestamp | Ty::Duration) {
            let result = match (name, a, b) {
                ("_-_", Ty::Timestamp, Ty::Timestamp) => Some(Ty::Duration),
                ("_+_" | "_-_", Ty::Timestamp, Ty::Duration) => Some(Ty::Timestamp),
                ("_+_", Ty::Duration, Ty::Timestamp) => Some(Ty::Timestamp),
                ("_+_" | "_-_", Ty::Duration, Ty::Duration) => Some(Ty::Duration),
                (_, Ty::Dyn, _) | (_, _, Ty::Dyn) => Some(Ty::Dyn),
                _ => None,
            };
            return result.unwrap_or_else(|| {
                self.combines(
                    whole,
                    a,
                    b,
                    "subtract two times for a duration, or add a duration to a time".into(),
                )
            });
        }
        let op = match name {
            "_+_" => "+",
            "_-_" => "-",
            "_*_" => "*",
            "_/_" => "/",
            _ => "%",
        };
        let allowed = |t: Ty| match name {
            "_+_" => matches!(
                t,
                Ty::Int | Ty::Uint | Ty::Double | Ty::Str | Ty::Bytes | Ty::List
            ),
            "_%_" => matches!(t, Ty::Int | Ty::Uint),
            _ => t.is_numeric(),
        };
        for t in [a, b] {
            if t != Ty::Dyn && !allowed(t) {
                self.mismatch(
                    format!("`{}` applies `{op}` to {}", show(whole), t.describe()),
                    if op == "+" {
                        "add numbers to numbers, or join text to text".into()
                    } else {
                        format!("use `{op}` on numbers only")
                    },
                );
                return Ty::Dyn;
            }
        }
        if a == Ty::Dyn || b == Ty::Dyn {
            return Ty::Dyn;
        }
        if a != b {
            let fix = if a.is_numeric() && b.is_numeric() {
                "CEL does not mix integers and numbers in arithmetic: write the integer as a number (`2.0`), or convert with `double(...)`".to_string()
            } else {
                format!("use `{op}` on two values of the same kind")
            };
            return self.combines(whole, a, b, fix);
        }
        a
    }

    /// Reports `whole` combining `a` with `b`, which do not go together.
    fn combines(&mut self, whole: &IdedExpr, a: Ty, b: Ty, fix: String) -> Ty {
        self.mismatch(
            format!(
                "`{}` combines {} with {}",
                show(whole),
                a.describe(),
                b.describe()
            ),
            fix,
        );
        Ty::Dyn
    }
}

/// Whether `s` is an RFC 3339 date and time (`2026-01-01T10:00:00Z`,
/// fractional seconds and a numeric offset allowed), as `timestamp()` reads.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|d| d.len() == r.len() && d.iter().all(u8::is_ascii_digit))
    };
    let num =
        |r: std::ops::Range<usize>| -> u32 { s.get(r).and_then(|x| x.parse().ok()).unwrap_or(99) };
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19))
    {
        return false;
    }
    if !((1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) <= 23
        && num(14..16) <= 59
        && num(17..19) <= 60)
    {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len() && digits(i + 1..i + 3) && b[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

/// When text meets a time (a `date` or `datetime` field is text): make the
/// text side a time.
fn text_as_time_fix(args: &[IdedExpr], a: Ty, b: Ty) -> Option<String> {
    let text = match (a, b) {
        (Ty::Str, Ty::Timestamp) => args.first(),
        (Ty::Timestamp, Ty::Str) => args.get(1),
        _ => None,
    }?;
    Some(format!("make the text a time: `timestamp({})`", show(text)))
}

/// How to make true/false of a value of type `ty` (shown as `shown`), with
/// a comparison that fits its type.
fn compare_fix(ty: Ty, shown: &str) -> String {
    match ty {
        Ty::Str => format!("compare it, e.g. `{shown} != \"\"`"),
        t if t.is_numeric() => format!("compare it, e.g. `{shown} > 0`"),
        Ty::List | Ty::Map => format!("compare its size, e.g. `size({shown}) > 0`"),
        Ty::Timestamp => {
            format!("compare it, e.g. `{shown} > timestamp(\"2026-01-01T00:00:00Z\")`")
        }
        Ty::Duration => format!("compare it, e.g. `{shown} < duration(\"1h\")`"),
        _ => format!("compare `{shown}` with a value of its kind"),
    }
}

/// The type of a literal, for checking list members.
fn literal_type(e: &IdedExpr) -> Option<Ty> {
    match &e.expr {
        Expr::Literal(lit) => Some(match lit {
            LiteralValue::Boolean(_) => Ty::Bool,
            LiteralValue::Bytes(_) => Ty::Bytes,
            LiteralValue::Double(_) => Ty::Double,
            LiteralValue::Int(_) => Ty::Int,
            LiteralValue::Null => Ty::Null,
            LiteralValue::String(_) => Ty::Str,
            LiteralValue::UInt(_) => Ty::Uint,
        }),
        _ => None,
    }
}

/// Longest source text quoted in a message.
const SHOW_MAX: usize = 80;

/// A compact rendering of an expression, for messages.
pub(crate) fn show(e: &IdedExpr) -> String {
    let mut out = String::new();
    render(e, &mut out, 0);
    if out.chars().count() > SHOW_MAX {
        let mut cut: String = out.chars().take(SHOW_MAX - 1).collect();
        cut.push('…');
        return cut;
    }
    out
}

fn infix(name: &str) -> Option<&'static str> {
    Some(match name {
        "_==_" => "==",
        "_!=_" => "!=",
        "_<_" => "<",
        "_<=_" => "<=",
        "_>_" => ">",
        "_>=_" => ">=",
        "_&&_" => "&&",
        "_||_" => "||",
        "_+_" => "+",
        "_-_" => "-",
        "_*_" => "*",
        "_/_" => "/",
        "_%_" => "%",
        "@in" => "in",
        _ => return None,
    })
}

fn render(e: &IdedExpr, out: &mut String, depth: usize) {
    if depth > 32 || out.len() > SHOW_MAX * 2 {
        out.push('…');
        return;
    }
    let d = depth + 1;
    match &e.expr {
        Expr::Unspecified => out.push('…'),
        Expr::Ident(n) => out.push_str(n),
        Expr::Literal(lit) => match lit {
            LiteralValue::Boolean(b) => out.push_str(if *b.inner() { "true" } else { "false" }),
            LiteralValue::Bytes(_) => out.push_str("b\"…\""),
            LiteralValue::Double(x) => {
                let v = *x.inner();
                if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
                    out.push_str(&format!("{v:.1}"));
                } else {
                    out.push_str(&v.to_string());
                }
            }
            LiteralValue::Int(i) => out.push_str(&i.inner().to_string()),
            LiteralValue::Null => out.push_str("null"),
            LiteralValue::String(s) => {
                out.push('"');
                for c in s.inner().chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            LiteralValue::UInt(u) => {
                out.push_str(&u.inner().to_string());
                out.push('u');
            }
        },
        Expr::List(list) => {
            out.push('[');
            for (i, el) in list.elements.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(el, out, d);
            }
            out.push(']');
        }
        Expr::Map(map) => {
            out.push('{');
            for (i, entry) in map.entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if let EntryExpr::MapEntry(m) = &entry.expr {
                    render(&m.key, out, d);
                    out.push_str(": ");
                    render(&m.value, out, d);
                }
            }
            out.push('}');
        }
        Expr::Struct(s) => {
            out.push_str(&s.type_name);
            out.push_str("{…}");
        }
        Expr::Select(sel) => {
            if sel.test {
                out.push_str("has(");
            }
            render_operand(&sel.operand, out, d);
            out.push('.');
            out.push_str(&sel.field);
            if sel.test {
                out.push(')');
            }
        }
        Expr::Comprehension(c) => {
            render_operand(&c.iter_range, out, d);
            out.push_str(".…(");
            out.push_str(&c.iter_var);
            out.push_str(", …)");
        }
        Expr::Call(call) => {
            let name = call.func_name.as_str();
            if let (Some(op), [a, b], None) = (infix(name), call.args.as_slice(), &call.target) {
                render_operand(a, out, d);
                out.push(' ');
                out.push_str(op);
                out.push(' ');
                render_operand(b, out, d);
                return;
            }
            match (name, call.args.as_slice(), &call.target) {
                ("!_", [a], None) => {
                    out.push('!');
                    render_operand(a, out, d);
                }
                ("-_", [a], None) => {
                    out.push('-');
                    render_operand(a, out, d);
                }
                ("_?_:_", [c, a, b], None) => {
                    render_operand(c, out, d);
                    out.push_str(" ? ");
                    render_operand(a, out, d);
                    out.push_str(" : ");
                    render_operand(b, out, d);
                }
                ("_[_]", [a, i], None) => {
                    render_operand(a, out, d);
                    out.push('[');
                    render(i, out, d);
                    out.push(']');
                }
                ("@not_strictly_false", [a], None) => render(a, out, d),
                (_, args, target) => {
                    if let Some(t) = target {
                        render_operand(t, out, d);
                        out.push('.');
                    }
                    out.push_str(name);
                    out.push('(');
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        render(a, out, d);
                    }
                    out.push(')');
                }
            }
        }
    }
}

/// Renders an operand, in parentheses when it is itself an operator.
fn render_operand(e: &IdedExpr, out: &mut String, depth: usize) {
    let needs_parens = match &e.expr {
        Expr::Call(c) => {
            c.target.is_none() && (infix(&c.func_name).is_some() || c.func_name == "_?_:_")
        }
        _ => false,
    };
    if needs_parens {
        out.push('(');
        render(e, out, depth);
        out.push(')');
    } else {
        render(e, out, depth);
    }
}
