"""click commands, one module each; cli.py assembles them. Only argument handling here."""
