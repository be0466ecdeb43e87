// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    charter_app::mark_process_start();
    charter_app::run();
}
