"""Floor 2: joins and rules over a loaded Snapshot. Rules never open files."""
