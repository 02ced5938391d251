"""formats part of the engine."""
