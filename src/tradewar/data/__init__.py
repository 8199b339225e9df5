"""World data: the World, world-package I/O, checks and aggregation."""
