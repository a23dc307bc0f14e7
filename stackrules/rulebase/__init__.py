"""The checked rule base: indexing documents into a RuleBase, the named check passes, `where` filters."""
