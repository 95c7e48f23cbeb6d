"""Admin accounts: people who edit flows and campaigns, with a role each."""
