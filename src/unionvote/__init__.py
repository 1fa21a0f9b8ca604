"""unionvote: online democracy for trade unions."""

__version__ = "0.1.0"
