"""Buyer-seller messaging: conversations about a listing or an order, delivered live over the
WebSocket API, kept safe (masking before an order, rate limits, blocks, reports), with a notice
by email or SMS for what a recipient missed."""
