"""The HTTP API, one Chalice blueprint per area; app.py registers them."""
