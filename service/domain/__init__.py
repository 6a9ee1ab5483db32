"""The pure domain core of breakgate: identifiers, schemes, rules, lifecycle, commands.

Imports nothing of the project's adapters and no I/O library (checked by import-linter).
"""
