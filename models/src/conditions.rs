//! CEL conditions: parsing and checking against an entity's fields.
