"""Domain errors and the pages shown for HTTP errors."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken; the message is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    status_code = 404


class ConflictError(DomainError):
    status_code = 409


FRIENDLY_MESSAGES = {
    403: (
        "Not available to you",
        "Your roles do not give access to this page. Ask an admin or the hiring manager if you need it.",
    ),
    404: (
        "Not found",
        "There is nothing at this address: it may have been removed, or the link is wrong.",
    ),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.endswith(".json") or best == "application/json"


def _render_error(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(error={"status": status, "title": title, "message": message}), status
    return render_template("errors.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render_error(
            400,
            "Form expired or invalid",
            "The form's security token was missing or invalid. Reload the page and try again; "
            "nothing was saved.",
        )

    @app.errorhandler(413)
    def too_large(error: HTTPException):
        limit = app.config["MAX_CONTENT_LENGTH"] / 1_048_576
        return _render_error(
            413, "Upload too large", f"Requests are limited to {limit:.0f} MB. Nothing was saved."
        )

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return _render_error(error.status_code, "That did not work", error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        title, message = FRIENDLY_MESSAGES.get(error.code, (error.name, error.description or ""))
        return _render_error(error.code or 500, title, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _render_error(
            500,
            "Something went wrong",
            "The error was logged. Nothing you submitted was half-saved.",
        )
