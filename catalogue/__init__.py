"""The read model shoppers see: the catalogue, its cache and invalidation, the storefront pages."""
