"""Fee calculation: a versioned fee schedule applied to an order's lines, per seller."""
