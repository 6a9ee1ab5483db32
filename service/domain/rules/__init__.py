"""Stateless legal rules of RULES.md, one module per family; `evaluate` dispatches."""
