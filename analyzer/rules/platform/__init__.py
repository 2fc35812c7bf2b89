"""Platform rules (I7xx): faults of the router and the cluster around the route, not of the application."""
