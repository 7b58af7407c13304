"""The ``ccsync`` command: the composition root that may import both the simulator and the engine."""
