"""One error object for every API failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from core.errors import ConflictError, DomainError, NotFoundError

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


class ApiError(Exception):
    """A refusal of the API, answered as the error object with ``status``."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    response = jsonify(error={"code": code, "message": message, "details": details})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="loopwise"'
    return response


def validation_details(error: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors as plain data: where, what kind, and the message (never the input)."""
    return [
        {"loc": list(item["loc"]), "type": item["type"], "message": item["msg"]}
        for item in error.errors(include_url=False, include_context=False, include_input=False)
    ]


def raise_validation_error(req: Any, resp: Any, error: Any, instance: Any, model_adapter: Any) -> None:
    """Spectree's before-hook: turn a failed request validation into our 422 error object."""
    if error is not None:
        raise ApiError(
            422, "validation_failed", "The request does not match the schema.", validation_details(error)
        )


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    message = error.description or error.name
    if status == 413:
        message = "The request body is too large. Nothing was saved."
    response = error_response(status, HTTP_CODES.get(status, "http_error"), message)
    for name, value in error.get_headers():  # e.g. Allow on a 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_error_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, error.details)

    @bp.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if isinstance(error, NotFoundError):
            return error_response(404, "not_found", error.message)
        if isinstance(error, ConflictError):
            return error_response(409, "conflict", error.message)
        return error_response(422, "rule_broken", error.message)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _http_error(error)

    # core.errors answers 413 by status code, which Flask prefers to a blueprint's class handler.
    bp.register_error_handler(413, http_error)

    @bp.errorhandler(DataError)
    @bp.errorhandler(OverflowError)
    def value_out_of_range(error: Exception):
        # The last line of defence when a value slipped past the schemas: PostgreSQL refusing a
        # number or text (DataError), or sqlite3 a number past 64 bits (OverflowError).
        if isinstance(error, OverflowError) and "SQLite INTEGER" not in str(error):
            return unexpected_error(error)
        log.warning("The database refused a value on %s %s: %s", request.method, request.path, error)
        return error_response(
            422, "value_out_of_range", "A number or text in the request cannot be stored or compared."
        )

    @bp.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("Unhandled API error on %s %s", request.method, request.path)
        return error_response(
            500, "internal_error", "The error was logged. Nothing you sent was half-saved."
        )


def register_routing_errors(app: Flask) -> None:
    """Answer unknown /api/v1 paths and methods with the error object; other paths as before."""
    fallback = app.error_handler_spec[None][None].get(HTTPException)

    def routing_error(error: HTTPException):
        if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
            return _http_error(error)
        return fallback(error) if fallback is not None else error

    app.register_error_handler(404, routing_error)
    app.register_error_handler(405, routing_error)
