"""Feedback and ratings: double-blind feedback on delivered orders, and the public seller profile.

- ``model``: the rules (who rates whom, the window, the reveal, the reminder);
- ``service``: leaving feedback, replies, moderation, the feedback window's steps
  (``statemachines/feedback_window.json``) and the public profile's reads and projection;
- ``projection``: how the profile's buckets become its figures (score, percent positive, ...).
"""
