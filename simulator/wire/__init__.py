"""What Graph sends and accepts, as values: requests, responses and the Graph error, below every layer."""
