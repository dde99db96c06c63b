from flask import Blueprint

bp = Blueprint("trust", __name__, url_prefix="/trust")
