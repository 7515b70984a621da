"""CKIP models, shared by every stage that runs one (segment; pii's names): finding a model
(``models``), its device (``device``), our inference path (``inference``) and the pieces of
text it takes (``pieces``). Nothing here knows a stage."""
