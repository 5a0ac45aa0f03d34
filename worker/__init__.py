"""Worker layer: queue actors, job schema, pipeline orchestration, CLI, settings."""
