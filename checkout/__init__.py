"""The shopper's way from cart to paid order, above orders and payments."""
