"""portfolio part of the engine."""
