"""Entry point: `flask --app app run` serves Synth."""

from synth_web import create_app

app = create_app()
