"""scheduling part of the engine."""
