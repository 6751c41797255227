"""Helpers shared by several test modules: fixtures data, API calls, fakes (not tests)."""
