"""mga: offline triage of OpenShift route 502/503/504 errors from must-gather archives and router logs."""

__version__ = "0.1.0"
