"""Sending a request that claims a huge body but carries a tiny one, and seeing whether the app
read it: the upload-limit tests of products and stores share this."""

from __future__ import annotations

import io

FIFTY_MB = 50 * 1024 * 1024
BOUNDARY = "x"


def multipart(**fields: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


class RecordingBody:
    """A wsgi.input that counts every read: a refused request must leave it untouched."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return self._data.read(size)

    def readline(self, size: int = -1) -> bytes:
        self.reads += 1
        return self._data.readline(size)


def send_claiming(client, method: str, path: str, data: bytes, length: int = FIFTY_MB, **extra):
    """`data` as a multipart body whose Content-Length claims `length`; (response, the body)."""
    body = RecordingBody(data)
    response = client.generic(
        method,
        path,
        data,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(length),  # what the client claims; only a few bytes would ever arrive
        **{"wsgi.input": body},
        **extra,
    )
    return response, body
