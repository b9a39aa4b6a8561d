"""Developer tools: the platform launcher, the demo loader and the broker helper."""
