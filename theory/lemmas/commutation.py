"""Placeholder: lemmas of this section are being written."""
