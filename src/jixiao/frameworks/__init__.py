"""Built-in scoring frameworks, as YAML files (see docs/frameworks.md)."""
