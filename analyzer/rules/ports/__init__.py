"""Port and TLS rules (P3xx): the router connects to a port the application does not serve, or speaks
the wrong protocol."""
