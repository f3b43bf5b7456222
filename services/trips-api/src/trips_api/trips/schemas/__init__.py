"""What clients send about a trip (``requests``) and what they receive (``responses``)."""
