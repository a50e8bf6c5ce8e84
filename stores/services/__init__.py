"""Writes for sellers and stores: sign-in by one-time code, and store creation and settings."""

from stores.services.sign_in import (
    AccountDisabled,
    OtpDeliveryFailed,
    OtpError,
    OtpInvalid,
    OtpLocked,
    OtpThrottled,
    OtpVerification,
    otp_request,
    otp_verify,
)
from stores.services.store_settings import (
    DESCRIPTION_MAX_LENGTH,
    STORE_NAME_MAX_LENGTH,
    normalize_whatsapp,
    prepare_logo,
    slug_base,
    store_create,
    store_update,
    validate_description,
    validate_store_name,
    validate_upi_id,
)

__all__ = [
    "DESCRIPTION_MAX_LENGTH",
    "STORE_NAME_MAX_LENGTH",
    "AccountDisabled",
    "OtpDeliveryFailed",
    "OtpError",
    "OtpInvalid",
    "OtpLocked",
    "OtpThrottled",
    "OtpVerification",
    "normalize_whatsapp",
    "otp_request",
    "otp_verify",
    "prepare_logo",
    "slug_base",
    "store_create",
    "store_update",
    "validate_description",
    "validate_store_name",
    "validate_upi_id",
]
