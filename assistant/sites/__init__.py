"""Shops that embed the assistant: public key, allowed origins, currency."""
