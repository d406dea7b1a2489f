# The simulator's WebSocket server (tools/venue/ws): ballast::venue_ws.
