"""The API's CORS headers, worked out once per site and Origin (api.origins._cors_headers), are exactly the
headers flask-cors sets on the same request."""

from __future__ import annotations

import pytest
from flask import Flask, Response
from flask_cors.core import set_cors_headers
from sqlmodel import Session

from assistant.api.origins import _cors_options
from tests.factories import make_site

ORIGINS = ["https://shop.example", "https://www.shop.example"]


@pytest.mark.parametrize("origin", ["https://shop.example", "https://WWW.shop.example", "https://other.example", None])
@pytest.mark.parametrize("private_network", [None, "true", "false"])
@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_the_headers_are_flask_cors_own(app: Flask, session: Session, origin: str | None, private_network: str | None,
                                        method: str) -> None:
    make_site(session, key="pk_cors", origins=ORIGINS)
    headers = {name: value for name, value in [("Origin", origin), ("Access-Control-Request-Private-Network",
                                                                   private_network)] if value is not None}
    if method == "OPTIONS":
        headers.update({"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    path = "/api/v1/quiz?site=pk_cors" if method == "POST" else "/api/v1/flows?site=pk_cors"  # a POST: a 400, with CORS
    answered = app.test_client().open(path, method=method, headers=headers)
    with app.test_request_context(path, method=method, headers=headers):
        expected = set_cors_headers(Response(), _cors_options(tuple(ORIGINS)))
    names = {"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Allow-Credentials",
             "Access-Control-Allow-Private-Network", "Access-Control-Allow-Headers", "Access-Control-Max-Age",
             "Access-Control-Allow-Methods"}
    assert [(k, v) for k, v in answered.headers.items() if k in names] == \
        [(k, v) for k, v in expected.headers.items() if k in names]
    if origin == "https://shop.example":
        assert answered.headers["Access-Control-Allow-Origin"] == origin
