"""Core of the Toulouse Métropole operations dashboard; knows nothing about Dash."""
