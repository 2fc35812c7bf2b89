"""Endpoint rules (E2xx): the route's services have no ready endpoint, and why."""
