"""HTTP infrastructure: request ids and logging, API errors, parsers, authentication, health."""
