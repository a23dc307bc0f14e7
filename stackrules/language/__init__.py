"""What a document is: frozen models of every kind, exact credit quantities, source positions, JSON Schema."""
