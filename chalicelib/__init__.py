"""Atelier: product personalization backend. All code lives here; app.py only wires it."""
