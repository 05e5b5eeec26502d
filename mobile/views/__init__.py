"""One module per screen; a view reads state and calls its methods, never storage or HTTP."""
