"""Disaster recovery: outages, failover assignment, plans and drills (DESIGN.md section 4)."""
