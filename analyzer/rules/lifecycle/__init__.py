"""Pod lifecycle rules (K6xx): errors caused by pods that crash, get killed, or are replaced without
draining."""
