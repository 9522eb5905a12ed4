"""socialgit commands, one module per stage of the loop."""
