from flask import Blueprint

bp = Blueprint("hiring", __name__, url_prefix="/hiring")
