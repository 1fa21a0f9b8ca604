"""Consultations: members share short thoughts, star each other's, and discover what the membership rated highest."""
