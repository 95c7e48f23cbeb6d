"""Analytics: experiment statistics (funnels and metrics join later)."""
