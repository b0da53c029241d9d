"""Services: the program's use cases. Each takes plain values and a store, returns plain values
and raises the typed exceptions of :mod:`shared.errors`; the web and CLI entry points call them."""
