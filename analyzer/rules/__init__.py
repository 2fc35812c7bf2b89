"""Rule families. Each module holds rules decorated with ``analyzer.registry.rule``."""
