//! Test helper for the durability test: opens the store in the directory
//! given as the first argument, applies the edit given as JSON in the second
//! argument to model 1, prints `ACK <revision>` once the edit is committed,
//! then waits to be killed.

use charter_app::store::Store;
use charter_model::edit::Edit;
use std::io::Write;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(edit)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: charter-store-probe DATA_DIR EDIT_JSON");
        std::process::exit(2);
    };
    let edit: Edit = match serde_json::from_str(edit) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("charter-store-probe: bad edit: {e}");
            std::process::exit(2);
        }
    };
    let store = match Store::open(std::path::Path::new(dir)).await {
        Ok((s, _)) => s,
        Err(e) => {
            eprintln!("charter-store-probe: {e}");
            std::process::exit(1);
        }
    };
    match store.apply_edit(1, &edit).await {
        Ok(state) => {
            let mut out = std::io::stdout();
            let _ = writeln!(out, "ACK {}", state.revision);
            let _ = out.flush();
        }
        Err(e) => {
            eprintln!("charter-store-probe: {e}");
            std::process::exit(1);
        }
    }
    // Wait to be killed, holding the store open.
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}
