"""The OpenAPI 3.1 description of the public JSON API: every /api route, both ways to sign a
change (a bearer token, or a staff session with its CSRF token), and the one error shape."""

from __future__ import annotations

from indexer.documents.extract import EDITABLE
from indexer.documents.metadata import DOC_TYPES, NEWS
from indexer.documents.relations import KINDS
from search_app.engine.request import MAX_PAGE, MAX_PER_PAGE, SORTS

_LIST = {"type": "array", "items": {"type": "string"}}
_NULLABLE = {"type": ["string", "null"]}
_URL = {"type": "string", "format": "uri"}
_JSON = "application/json"


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or {}}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {_JSON: {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _error(description: str) -> dict:
    return _json(description, _ref("schemas", "Error"))


_ID = {"name": "id", "in": "path", "required": True, "description": "Mã tài liệu", "schema": {"type": "string"}}
_CACHED = {
    "ETag": {"description": "Đổi khi chỉ mục được cập nhật", "schema": {"type": "string"}},
    "Last-Modified": {"description": "Lần cập nhật chỉ mục gần nhất", "schema": {"type": "string"}},
    "Cache-Control": {"schema": {"type": "string"}},
}
_SIGNED = [{"bearerToken": []}, {"staffSession": []}]


def _search() -> dict:
    return {
        "get": {
            "operationId": "search",
            "summary": "Tìm kiếm",
            "description": "Cùng cách tìm với trang web: có dấu hoặc không dấu, chữ viết tắt, số hiệu văn bản.",
            "parameters": [
                _query("q", "Câu tìm kiếm; rỗng để duyệt tài liệu mới nhất", {"type": "string"}),
                _query("unit", "Đơn vị (lặp lại để chọn nhiều, kết hợp HOẶC)", _LIST),
                _query("type", "Loại văn bản (lặp lại để chọn nhiều)", _LIST),
                _query("year", "Năm YYYY (lặp lại để chọn nhiều)", _LIST),
                _query("month", "Tháng YYYY-MM (lặp lại để chọn nhiều)", _LIST),
                _query("signer", "Người ký văn bản, có dấu hoặc không dấu (lặp lại để chọn nhiều)", _LIST),
                _query("from", "Từ ngày: YYYY-MM-DD hoặc DD/MM/YYYY", {"type": "string", "examples": ["2024-05-31"]}),
                _query("to", "Đến ngày: YYYY-MM-DD hoặc DD/MM/YYYY", {"type": "string", "examples": ["31/12/2024"]}),
                _query("sort", "Sắp xếp", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
                _query(
                    "exact",
                    "1: tìm đúng các từ đã gõ, không thay bằng từ đã sửa lỗi chính tả",
                    {"type": "string", "enum": ["0", "1"]},
                ),
                _query("page", "Trang, từ 1", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
                _query(
                    "per_page",
                    "Số kết quả mỗi trang",
                    {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10},
                ),
            ],
            "responses": {
                "200": _json(
                    "Kết quả",
                    _ref("schemas", "Results"),
                    {
                        **_CACHED,
                        "Link": {
                            "description": 'Trang sau và trang trước: <url>; rel="next", <url>; rel="prev"',
                            "schema": {"type": "string"},
                        },
                    },
                ),
                "304": _ref("responses", "NotModified"),
                "400": _error("Tham số không hợp lệ"),
                "405": _ref("responses", "MethodNotAllowed"),
                "503": _error("Chưa có chỉ mục"),
            },
        }
    }


def _suggest() -> dict:
    completion = {
        "type": "object",
        "required": ["label", "kind", "url"],
        "properties": {
            "label": {"type": "string", "description": "Điều người dùng đọc"},
            "kind": {"type": "string", "enum": ["number", "unit", "phrase", "title"]},
            "q": {"type": "string", "description": "Câu tìm kiếm gợi ý"},
            "unit": {"type": "string", "description": "Đơn vị (với kind = unit)"},
            "doc_id": {"type": "string", "description": "Mã tài liệu (với kind = title)"},
            "url": _URL,
        },
    }
    opensearch = {
        "type": "array",
        "description": "Gợi ý OpenSearch: [câu đã gõ, [nhãn], [mô tả], [địa chỉ]]",
        "prefixItems": [{"type": "string"}, _LIST, _LIST, _LIST],
    }
    return {
        "get": {
            "operationId": "suggest",
            "summary": "Gợi ý khi đang gõ: số hiệu, đơn vị, cụm từ, tiêu đề tài liệu",
            "parameters": [
                _query("q", "Những gì đã gõ (từ cuối có thể chưa gõ xong)", {"type": "string", "maxLength": 200}),
                _query("format", "opensearch: dạng gợi ý cho ô tìm kiếm của trình duyệt", {"enum": ["opensearch"]}),
            ],
            "responses": {
                "200": {
                    "description": "Các gợi ý, hữu ích nhất trước",
                    "headers": _CACHED,
                    "content": {
                        _JSON: {
                            "schema": {
                                "type": "object",
                                "required": ["q", "suggestions"],
                                "properties": {
                                    "q": {"type": "string"},
                                    "suggestions": {"type": "array", "items": completion},
                                },
                            }
                        },
                        "application/x-suggestions+json": {"schema": opensearch},
                    },
                },
                "304": _ref("responses", "NotModified"),
                "400": _error("Chuỗi quá dài"),
            },
        }
    }


def _documents() -> dict:
    return {
        "post": {
            "operationId": "addDocument",
            "summary": "Thêm một tài liệu",
            "description": "Một tài liệu dạng JSON (tiêu đề, nội dung, thông tin) hoặc một tệp tải lên "
            "(.md, .txt, .html, .docx, .pdf) kèm các trường thông tin. Được lập chỉ mục ngay.",
            "security": _SIGNED,
            "parameters": [_ref("parameters", "CSRFToken")],
            "requestBody": {
                "required": True,
                "content": {
                    _JSON: {"schema": _ref("schemas", "NewDocument")},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                **{name: {"type": "string"} for name in EDITABLE},
                            },
                        }
                    },
                },
            },
            "responses": {
                "201": _json(
                    "Đã thêm và lập chỉ mục",
                    _ref("schemas", "Document"),
                    {"Location": {"description": "Địa chỉ API của tài liệu", "schema": {"type": "string"}}},
                ),
                "400": _error("Tài liệu không hợp lệ"),
                "401": _ref("responses", "Unauthorized"),
                "409": _error("Chỉ mục đang bận (một lần lập chỉ mục khác đang chạy)"),
                "413": _error("Tệp quá lớn"),
            },
        }
    }


def _document() -> dict:
    return {
        "get": {
            "operationId": "getDocument",
            "summary": "Một tài liệu",
            "parameters": [_ID],
            "responses": {
                "200": _json("Tài liệu", _ref("schemas", "Document"), _CACHED),
                "304": _ref("responses", "NotModified"),
                "404": _error("Không có tài liệu này"),
            },
        },
        "delete": {
            "operationId": "removeDocument",
            "summary": "Gỡ một tài liệu khỏi kho và chỉ mục",
            "security": _SIGNED,
            "parameters": [_ID, _ref("parameters", "CSRFToken")],
            "responses": {
                "204": {"description": "Đã gỡ"},
                "401": _ref("responses", "Unauthorized"),
                "404": _error("Không có tài liệu này"),
                "409": _error("Không gỡ được lúc này (chỉ mục đang bận, hoặc tệp chứa nhiều tài liệu)"),
            },
        },
    }


def _schemas() -> dict:
    types = {"type": "string", "description": "Loại văn bản", "examples": [*DOC_TYPES, NEWS]}
    facet_value = {
        "type": "object",
        "required": ["value", "label", "count", "selected", "param", "toggle_url"],
        "properties": {
            "value": {
                "type": "string",
                "description": "Giá trị gửi lại trong tham số `param`; “khong-ro”: văn bản không rõ ngày / đơn vị",
            },
            "label": {"type": "string"},
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": "Số kết quả; một đơn vị tính cả các đơn vị trực thuộc",
            },
            "selected": {"type": "boolean"},
            "param": {"type": "string", "enum": ["year", "month", "unit", "type"]},
            "parent": {
                "type": ["string", "null"],
                "description": "Đơn vị cấp trên mà giá trị này nằm dưới (chọn nó là chọn cả đơn vị này)",
            },
            "depth": {"type": "integer", "minimum": 0, "description": "Cấp trong cây đơn vị (0: cấp cao nhất)"},
            "toggle_url": {
                **_URL,
                "description": "Chọn hoặc bỏ chọn giá trị này: cùng tham số với liên kết trên trang web",
            },
        },
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {
                        "status": {"type": "integer", "description": "Mã trạng thái HTTP"},
                        "message": {"type": "string", "description": "Lời giải thích bằng tiếng Việt"},
                    },
                }
            },
        },
        "Hit": {
            "type": "object",
            "required": ["id", "title", "date", "unit", "type", "numbers", "score", "snippet", "url"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "date": {"type": ["string", "null"], "format": "date"},
                "unit": _NULLABLE,
                "type": types,
                "numbers": _LIST,
                "score": {"type": "number"},
                "snippet": {"type": "string", "description": "HTML; chỗ khớp nằm trong <mark>"},
                "url": {**_URL, "description": "Nguồn gốc, hoặc trang tài liệu trên trang này"},
                "added": {"type": ["string", "null"], "format": "date-time", "description": "Khi được thêm"},
                "changed": {"type": ["string", "null"], "format": "date-time", "description": "Lần sửa gần nhất"},
                "part": {**_NULLABLE, "description": "Phần của văn bản dài mà đoạn trích thuộc về: Điều 5. …"},
                "anchor": {**_NULLABLE, "description": "Neo của phần đó trên trang tài liệu (#dieu-5)"},
                "missing": {**_NULLABLE, "description": "Từ của câu tìm mà tài liệu này không có"},
                "signer": {**_NULLABLE, "description": "Người ký (văn bản hành chính)"},
                "original": {
                    "type": ["string", "null"],
                    "enum": ["PDF", "DOCX", "HTML", None],
                    "description": "Có tệp gốc để tải về (/tep-goc/{id})",
                },
            },
        },
        "FacetValue": facet_value,
        "Results": {
            "type": "object",
            "required": ["total", "page", "per_page", "sort", "hits", "facets", "next_url", "prev_url"],
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "sort": {
                    "type": "string",
                    "enum": list(SORTS),
                    "description": "Thứ tự thực sự áp dụng (không có từ khoá: mới nhất)",
                },
                "took_ms": {"type": "number"},
                "hits": {"type": "array", "items": _ref("schemas", "Hit")},
                "facets": {
                    "type": "object",
                    "properties": {
                        k: {"type": "array", "items": _ref("schemas", "FacetValue")} for k in ("date", "unit", "type")
                    },
                },
                "suggestion": {**_NULLABLE, "description": "Có phải bạn muốn tìm"},
                "corrected": {**_NULLABLE, "description": "Câu đã sửa lỗi chính tả mà kết quả này tìm theo"},
                "corrected_from": {**_NULLABLE, "description": "Câu như đã gõ, khi kết quả là của câu đã sửa"},
                "complete": {"type": "integer", "minimum": 0, "description": "Số tài liệu có đủ các từ (xếp trước)"},
                "relaxed": {"type": "boolean", "description": "Không tài liệu nào chứa đủ các từ; đây là kết quả gần"},
                "next_url": {"type": ["string", "null"], "format": "uri"},
                "prev_url": {"type": ["string", "null"], "format": "uri"},
            },
        },
        "Relation": {
            "type": "object",
            "required": ["kind", "number", "sentence"],
            "properties": {
                "kind": {"type": "string", "enum": list(KINDS)},
                "number": {**_NULLABLE, "description": "Số hiệu văn bản kia", "examples": ["15/KH-LĐLĐ"]},
                "sentence": {"type": "string", "description": "Câu trong văn bản nêu quan hệ này"},
                "direction": {
                    "type": "string",
                    "enum": ["out", "in"],
                    "description": "out: văn bản này căn cứ, thực hiện… văn bản kia; in: văn bản kia căn cứ, "
                    "thực hiện… văn bản này",
                },
                "label": {"type": "string", "examples": ["Căn cứ", "Văn bản hướng dẫn văn bản này"]},
                "id": {**_NULLABLE, "description": "Mã văn bản kia trong kho; null khi kho chưa có"},
                "title": _NULLABLE,
                "date": {"type": ["string", "null"], "format": "date"},
                "page_url": {"type": ["string", "null"], "format": "uri"},
            },
        },
        "NewDocument": {
            "type": "object",
            "required": ["title", "body"],
            "properties": {
                "title": {"type": "string"},
                "body": {"type": "string"},
                "date": {"type": "string", "format": "date"},
                "unit": {"type": "string"},
                "type": types,
                "number": {"type": "string", "examples": ["15/KH-LĐLĐ"]},
                "url": _URL,
                "author": {"type": "string"},
                "id": {"type": "string"},
            },
        },
        "Document": {
            "type": "object",
            "required": ["id", "title", "body"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "body": {"type": "string"},
                "date": {"type": ["string", "null"], "format": "date"},
                "unit": _NULLABLE,
                "type": types,
                "number": _NULLABLE,
                "numbers": _LIST,
                "terms": _LIST,
                "congresses": _LIST,
                "url": {"type": ["string", "null"], "format": "uri"},
                "tags": _LIST,
                "author": _NULLABLE,
                "captions": _LIST,
                "signer": {**_NULLABLE, "description": "Người ký (văn bản hành chính)"},
                "relations": {
                    "type": "array",
                    "description": "Quan hệ với văn bản khác, hai chiều: căn cứ, thực hiện, hướng dẫn, thay thế, "
                    "sửa đổi, bổ sung, bãi bỏ; có id khi kho có văn bản kia",
                    "items": _ref("schemas", "Relation"),
                },
                "copies": {
                    "type": "array",
                    "description": "Bản khác của cùng bài (cùng tiêu đề và nội dung, nguồn khác): kết quả tìm kiếm "
                    "chỉ hiện một lần",
                    "items": {
                        "type": "object",
                        "required": ["id", "title", "page_url"],
                        "properties": {
                            "id": {"type": "string"},
                            "title": {"type": "string"},
                            "url": {**_NULLABLE, "description": "Địa chỉ gốc của bản này"},
                            "page_url": _URL,
                        },
                    },
                },
                "added": {"type": ["string", "null"], "format": "date-time", "description": "Khi được thêm"},
                "changed": {"type": ["string", "null"], "format": "date-time", "description": "Lần sửa gần nhất"},
                "page_url": {**_URL, "description": "Trang tài liệu trên trang này"},
            },
        },
    }


def openapi_document(server: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tracuu API",
            "version": "1",
            "description": "Tra cứu văn bản, tin tức Công đoàn (có dấu hoặc không dấu). Đọc không cần đăng nhập; "
            "thêm và gỡ tài liệu cần token của cán bộ quản trị (tracuu token add) hoặc phiên đăng nhập quản trị.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/search": _search(),
            "/api/suggest": _suggest(),
            "/api/documents": _documents(),
            "/api/documents/{id}": _document(),
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "Tài liệu mô tả API này (OpenAPI 3.1)",
                    "responses": {"200": _json("Tài liệu OpenAPI", {"type": "object"}, _CACHED)},
                }
            },
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Token của cán bộ quản trị, tạo bằng `tracuu token add <tên>`",
                },
                "staffSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "Phiên đăng nhập quản trị của trình duyệt; cần kèm X-CSRFToken của trang",
                },
            },
            "parameters": {
                "CSRFToken": {
                    "name": "X-CSRFToken",
                    "in": "header",
                    "required": False,
                    "description": "Bắt buộc khi dùng phiên đăng nhập (staffSession): mã CSRF của trang quản trị",
                    "schema": {"type": "string"},
                }
            },
            "responses": {
                "NotModified": {"description": "Không đổi từ lần trước (If-None-Match / If-Modified-Since)"},
                "Unauthorized": {
                    **_error("Cần token hợp lệ hoặc phiên đăng nhập quản trị"),
                    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                },
                "MethodNotAllowed": {
                    **_error("Phương thức không được hỗ trợ"),
                    "headers": {"Allow": {"description": "Các phương thức được nhận", "schema": {"type": "string"}}},
                },
            },
        },
    }
