"""The reader's language: choosing it, the project's words in it, and local formats."""
