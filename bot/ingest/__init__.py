"""bytes → Document → Article: readers, cleaning, metadata, language."""
