"""The answer engine: files to cited answers. Never imports discord."""
