"""Network rules (N4xx): the router cannot reach the route's pods."""
