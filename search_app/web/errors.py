"""Errors as people should see them: Vietnamese pages, JSON for the API, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from indexer.index.build import IndexMissing

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy trang hoặc tài liệu này.",
    405: "Trang này không nhận yêu cầu gửi theo cách đó.",
    413: "Tệp tải lên quá lớn.",
    429: "Bạn thử quá nhiều lần; vui lòng đợi một lát.",
    500: "Đã có lỗi phía máy chủ. Vui lòng thử lại sau.",
    503: "Dịch vụ tra cứu tạm thời chưa sẵn sàng.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None):
    message = message or MESSAGES.get(status, "Đã có lỗi.")
    if wants_json():
        return {"error": {"status": status, "message": message}}, status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = exc.description if getattr(exc, "vietnamese", False) else None
        response, status = error_response(exc.code or 500, message)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            return response, status, {"Allow": ", ".join(exc.valid_methods)}
        return response, status

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(
            400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và thử lại."
        )

    @app.errorhandler(IndexMissing)
    def index_missing(exc):
        app.logger.error("no index yet: run 'tracuu index' (or 'tracuu serve', which builds one)")
        return error_response(503, "Dịch vụ tra cứu đang được chuẩn bị dữ liệu. Vui lòng quay lại sau ít phút.")

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error")
        return error_response(500)
