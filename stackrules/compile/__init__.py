"""Compiling targets: requirement trees expanded, catalogue credentials matched to leaves and grouped, the graph."""
