"""Pulumi: one component per Terraform cluster module, and the rendered project that uses them.

Importing this package needs no Pulumi package: ``infra.pulumi.emit`` renders projects from
resolved stacks with the core install, while ``infra.pulumi.program`` and the per-cloud component
modules (``aws``, ``azure``, ``alicloud``) need the ``pulumi`` extra.
"""
