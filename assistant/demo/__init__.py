"""The demo shop, Trailhead Outfitters: its catalog, its builder and its pages."""
