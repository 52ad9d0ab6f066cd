"""DR drills: execute a failover plan against the clouds' APIs (docs/drills.md)."""
