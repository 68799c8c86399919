"""The cart: a buyer's lines (listing, quantity, the price seen), priced from the catalog now."""
