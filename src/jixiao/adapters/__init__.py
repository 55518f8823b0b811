"""Adapters around the pure core: files in and out, and the command line."""
