"""What clients send about a trip (``requests``, and after it ``reports``) and what they
receive (``responses``)."""
