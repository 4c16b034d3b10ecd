"""The rule families, each rule beside its detector: files, statements, idempotency,
hard-coded values, platform, exposure, runtime, declarative, and catalog/."""
