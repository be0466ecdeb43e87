//! charter-runtime: enforces a charter-config/1 on traffic.
