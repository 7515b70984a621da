"""One reader per contributed format.

A reader is a function ``read(path, manifest) -> Iterator[Record | Problem]``: it turns
one file into documents, and everything in the file that cannot become a document into
a ``Problem`` with a reason. Readers never raise for bad content; the ingest stage turns
an unexpected exception into a reject of the file.

Each module here registers the formats it reads with ``base.reader`` (name, card title,
extensions, one document per line or not); ``base.READERS`` imports every module of this
package to find them, so modules that read no format (``base``, ``markup``) are harmless.
"""
