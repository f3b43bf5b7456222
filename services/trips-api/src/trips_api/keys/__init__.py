"""API keys: who may write, approve and report, and which key did each write."""
