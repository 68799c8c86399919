"""Each capability's resources, one module each; ``stacks/topology.py`` composes them."""
