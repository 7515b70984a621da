"""One reader per contributed format.

A reader is a function ``read(path, manifest) -> Iterator[Record | Problem]``: it turns
one file into documents, and everything in the file that cannot become a document into
a ``Problem`` with a reason. Readers never raise for bad content; the ingest stage turns
an unexpected exception into a reject of the file.
"""
