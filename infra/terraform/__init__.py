"""Terraform: the HCL writer and the root-module emitter."""
