"""Route rules (R1xx): the router does not serve the route, or its backend names nothing usable."""
