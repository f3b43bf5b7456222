"""The live stream: Server-Sent Events with ``Last-Event-ID`` resume."""
