"""Products, their attributes and stock; importers for CSV, JSON and Google Merchant feeds."""
