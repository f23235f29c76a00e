"""The engine: app catalog, validation, templating, and (later) runs."""
