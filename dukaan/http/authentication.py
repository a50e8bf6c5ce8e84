"""API authentication: DRF's token header, hardened against keys that cannot be tokens."""

from __future__ import annotations

from rest_framework import authentication, exceptions

# rest_framework.authtoken.models.Token.key is a CharField(max_length=40).
MAX_TOKEN_KEY_LENGTH = 40


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`. A key that no token can have is refused before any query:
    a NUL byte in it would be an error on PostgreSQL (a 500), not a 401."""

    def authenticate_credentials(self, key: str):
        if len(key) > MAX_TOKEN_KEY_LENGTH or not key.isprintable():
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
