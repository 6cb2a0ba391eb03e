"""Population screening edge (stand-in until issue 16a's layout lands)."""
