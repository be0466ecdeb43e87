/// Every command the UI may call (build.rs turns each into an `allow-…`
/// permission; capabilities/default.json grants them).
pub const COMMANDS: &[&str] = &[
    "startup",
    "list_models",
    "create_model",
    "delete_model",
    "get_model_state",
    "apply_edit",
    "undo",
    "redo",
    "get_decision_log",
    "export_decision_log",
    "import_model_file",
    "save_model",
    "save_model_as",
    "export_config",
    "get_layout",
    "set_node_position",
    "report_first_paint",
];
