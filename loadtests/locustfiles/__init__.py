"""locust profiles (run with ``locust -f loadtests/locustfiles/<profile>.py``; see docs/load.md)."""
