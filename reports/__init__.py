"""Floor 3: renders an analyzer Result as JSON, Markdown and HTML. Reports never compute."""
