"""Renderers: read a NetworkResult, write text. They never compute."""
