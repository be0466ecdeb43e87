//! JSON Schemas of the model and config formats, generated from the types.
