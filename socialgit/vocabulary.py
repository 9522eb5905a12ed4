"""The words a feedback file may use for its kind, labels and status, shared by the files and the rules.

Kept apart from feedback.py so that reading socialgit.toml's [[feedback.rules]]
(every command reads the config) does not load the feedback file parser and YAML.
"""

KINDS = ("reply", "mention", "quote")
LABELS = ("positive", "negative", "question", "neutral")  # an intent; the classifier's four-way answer
SENTIMENTS = ("positive", "negative", "neutral")  # a sentiment: a question is an intent, not a tone
STATUSES = ("new", "triaged", "waiting", "done", "ignored")
