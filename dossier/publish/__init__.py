"""The profile renderer: stored records in, Markdown pages out (no I/O)."""
