// The condition form, as `models/src/condition_form.rs` defines it (the
// backend turns it into CEL and back: api.conditionToCel / conditionFromCel).
import type { Entity, TrialResult } from "../../api";

export type Join = "all" | "any";
export type ClauseOp =
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "in"
  | "notIn"
  | "present"
  | "absent"
  | "contains"
  | "startsWith"
  | "endsWith"
  | "matches";
export type Clause = { field: string; op: ClauseOp; value: string; values: string[]; otherField: string | null };
export type ConditionGroup = { clauses: Clause[] };
export type ConditionItem = ({ kind: "clause" } & Clause) | ({ kind: "group" } & ConditionGroup);
export type ConditionForm = { join: Join; items: ConditionItem[] };

export type FieldType = "string" | "integer" | "number" | "boolean" | "date" | "datetime" | "enum";
type EntityField = Entity["fields"][number];

/** Turns forms into CEL and back (the backend; tests pass fakes). */
export type ConditionService = {
  toCel: (entityId: string, form: ConditionForm) => Promise<string>;
  fromCel: (entityId: string, cel: string) => Promise<ConditionForm | null>;
  /** The runtime's verdict on a sample record ("try a rule"); absent, the builder offers no trial. */
  trySample?: (entityId: string, cel: string, record: Record<string, unknown>) => Promise<TrialResult>;
};

export const OP_LABELS: Record<ClauseOp, string> = {
  eq: "equals",
  ne: "is not",
  lt: "is less than",
  le: "is at most",
  gt: "is more than",
  ge: "is at least",
  in: "is one of",
  notIn: "is none of",
  present: "is present",
  absent: "is absent",
  contains: "contains",
  startsWith: "starts with",
  endsWith: "ends with",
  matches: "matches pattern",
};

/** The operators that suit a field type (same list and order as the Rust side). */
export function opsFor(t: FieldType): ClauseOp[] {
  switch (t) {
    case "string":
      return ["eq", "ne", "in", "notIn", "contains", "startsWith", "endsWith", "matches", "lt", "le", "gt", "ge", "present", "absent"];
    case "integer":
    case "number":
    case "date":
    case "datetime":
      return ["eq", "ne", "lt", "le", "gt", "ge", "in", "notIn", "present", "absent"];
    case "boolean":
      return ["eq", "ne", "present", "absent"];
    case "enum":
      return ["eq", "ne", "in", "notIn", "present", "absent"];
  }
}

export function takesValue(op: ClauseOp): "none" | "one" | "list" {
  if (op === "present" || op === "absent") return "none";
  if (op === "in" || op === "notIn") return "list";
  return "one";
}

export function takesOtherField(op: ClauseOp): boolean {
  return ["eq", "ne", "lt", "le", "gt", "ge"].includes(op);
}

const NUMERIC: FieldType[] = ["integer", "number"];
const TEXTUAL: FieldType[] = ["string", "date", "datetime", "enum"];

/** Fields `field` can be compared with by `op` (what the Rust side accepts). */
export function comparableFields(fields: EntityField[], field: EntityField, op: ClauseOp): EntityField[] {
  const ordered = !["eq", "ne"].includes(op);
  return fields.filter((f) => {
    if (f.name === field.name) return false;
    if (ordered && (f.type === "enum" || field.type === "enum")) return false;
    return (
      (NUMERIC.includes(f.type) && NUMERIC.includes(field.type)) ||
      (TEXTUAL.includes(f.type) && TEXTUAL.includes(field.type)) ||
      f.type === field.type
    );
  });
}

/** A sensible first value for a field: its first enum value, true, 0 or empty. */
export function defaultValue(field: EntityField | undefined): string {
  if (!field) return "";
  if (field.type === "enum") return field.values?.[0] ?? "";
  if (field.type === "boolean") return "true";
  if (field.type === "integer" || field.type === "number") return "0";
  return "";
}

export function newClause(field: EntityField | undefined): Clause {
  const op: ClauseOp = field ? (opsFor(field.type)[0] ?? "eq") : "present";
  return { field: field?.name ?? "", op, value: defaultValue(field), values: [], otherField: null };
}

/** Adapts a clause to a new operator or field, keeping what still fits. */
export function adaptClause(c: Clause, field: EntityField | undefined, op: ClauseOp): Clause {
  const next: Clause = { ...c, field: field?.name ?? c.field, op };
  if (field && field.name !== c.field) {
    next.value = defaultValue(field);
    next.values = [];
    next.otherField = null;
  }
  if (!takesOtherField(op)) next.otherField = null;
  if (takesValue(op) === "list" && next.values.length === 0 && next.value) next.values = [next.value];
  return next;
}

export const JOIN_LABEL: Record<Join, string> = { all: "all of", any: "any of" };
export const otherJoin = (j: Join): Join => (j === "all" ? "any" : "all");
