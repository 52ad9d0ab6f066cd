"""Disaster recovery: outages, failover assignment, plans and drills (docs/architecture.md, "Disaster recovery")."""
