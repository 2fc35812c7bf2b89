"""Floor 1: inputs to dataframes. Parsers read and shape data; they never diagnose."""
