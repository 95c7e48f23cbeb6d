"""Micro-surveys (CSAT, NPS, CES): survey files, who sees them, their answers and the standard formulas."""
