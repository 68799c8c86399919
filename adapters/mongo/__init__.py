"""MongoDB: the cached client (``client``) and the indexes declared as data (``indexes``)."""
