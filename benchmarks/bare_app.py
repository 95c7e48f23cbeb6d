"""The baseline: a bare Flask endpoint that reads the body and answers, doing nothing else."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.route("/bare", methods=["GET", "POST"])
def bare() -> Response:
    """Read the body and answer an empty JSON object."""
    request.get_data()
    return jsonify({})
