"""Results folders: writing and reading them, tables, figures and exporters."""
