"""HTTP edge: one blueprint per resource. Handlers parse, call the domain, and return models."""
