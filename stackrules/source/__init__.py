"""The only I/O: reading rule files and learners (strict, bounded YAML), badge files, and the authenticated rule-base cache."""
