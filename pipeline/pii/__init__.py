"""Personal data: find Taiwan personal data, record it, and redact, flag or drop it by policy."""
