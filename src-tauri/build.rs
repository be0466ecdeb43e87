fn main() {
    // The app's own commands are subject to the capability files: only the
    // commands listed here exist as permissions, and only those granted in
    // capabilities/ can be called from the UI.
    let manifest = tauri_build::AppManifest::new().commands(charter_app_commands::COMMANDS);
    let attrs = tauri_build::Attributes::new().app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attrs) {
        println!("cargo:warning=tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}

mod charter_app_commands {
    include!("src/command_names.rs");
}
