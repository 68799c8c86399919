"""Auctions: proxy bidding on auction listings, and the auction state machine that closes them."""
