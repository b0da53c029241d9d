"""Side-by-Side: the library behind the peer support program's functions and CLI."""
