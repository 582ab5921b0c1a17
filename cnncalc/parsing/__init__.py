"""Spec formats: YAML documents and the architecture grammar."""
