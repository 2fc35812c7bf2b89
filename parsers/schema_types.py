"""The dtypes of :mod:`parsers.schema`'s columns, by the names its declarations use (conventions there)."""

STR = "string"
INT = "Int64"
BOOL = "boolean"
FLOAT = "float64"
TS = "datetime64[ns, UTC]"
JSON = "string"  # same dtype as STR, named apart so readers know the content is JSON
