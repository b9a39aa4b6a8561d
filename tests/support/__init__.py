"""Test helpers: real infrastructure, factories, service processes."""
