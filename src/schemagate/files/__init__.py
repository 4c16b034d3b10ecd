"""Migration files: discovery, names and versions, what a change adds through git, scaffolds."""
