//! Business diff of two deployable configurations.
