"""The database layer: schema, engine, unit of work, state store and log access."""
