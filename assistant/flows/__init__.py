"""Flow files: schema, loader and validator with file:line problems, the quiz engine."""
