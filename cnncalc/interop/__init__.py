"""Bringing networks in from other tools and taking them out as code."""
