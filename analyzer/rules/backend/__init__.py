"""Backend rules (B5xx): behaviour seen in the access log: too slow, saturated, invalid answers, dropped
connections."""
