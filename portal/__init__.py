"""Warga: a co-production portal for city services."""

__version__ = "0.1.0"
