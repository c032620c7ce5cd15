"""The OpenAPI 3.1 description of the public JSON API."""

from __future__ import annotations

from search_app.engine.request import MAX_PER_PAGE, SORTS

_LIST = {"type": "array", "items": {"type": "string"}}


def _param(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def openapi_document(server: str) -> dict:
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tracuu API",
            "version": "1",
            "description": "Tra cứu văn bản, tin tức Công đoàn (có dấu hoặc không dấu).",
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Tìm kiếm",
                    "parameters": [
                        _param("q", "Câu tìm kiếm; rỗng để duyệt tài liệu mới nhất"),
                        _param("unit", "Đơn vị (lặp lại để chọn nhiều, kết hợp OR)", _LIST),
                        _param("type", "Loại văn bản (lặp lại để chọn nhiều)", _LIST),
                        _param("year", "Năm YYYY (lặp lại để chọn nhiều)", _LIST),
                        _param("month", "Tháng YYYY-MM (lặp lại để chọn nhiều)", _LIST),
                        _param("from", "Từ ngày YYYY-MM-DD", {"type": "string", "format": "date"}),
                        _param("to", "Đến ngày YYYY-MM-DD", {"type": "string", "format": "date"}),
                        _param("sort", "Sắp xếp", {"type": "string", "enum": list(SORTS)}),
                        _param("page", "Trang, từ 1", {"type": "integer", "minimum": 1}),
                        _param(
                            "per_page",
                            "Số kết quả mỗi trang",
                            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "Kết quả",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Results"}}},
                        },
                        "400": {
                            "description": "Tham số không hợp lệ",
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            },
            "/api/documents/{id}": {
                "get": {
                    "summary": "Một tài liệu",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "Tài liệu",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "404": {"description": "Không có", "content": {"application/json": {"schema": error}}},
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
                        }
                    },
                },
                "Hit": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "date": {"type": ["string", "null"], "format": "date"},
                        "unit": {"type": ["string", "null"]},
                        "type": {"type": "string"},
                        "numbers": _LIST,
                        "score": {"type": "number"},
                        "snippet": {"type": "string", "description": "HTML; matches inside <mark>"},
                        "url": {"type": "string"},
                    },
                },
                "FacetValue": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "string"},
                        "label": {"type": "string"},
                        "count": {"type": "integer"},
                        "selected": {"type": "boolean"},
                        "param": {"type": "string"},
                    },
                },
                "Results": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer"},
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "took_ms": {"type": "number"},
                        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                        "facets": {
                            "type": "object",
                            "properties": {
                                k: {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}}
                                for k in ("date", "unit", "type")
                            },
                        },
                        "suggestion": {"type": ["string", "null"]},
                        "relaxed": {"type": "boolean"},
                    },
                },
            }
        },
    }
