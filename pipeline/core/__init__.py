"""What every stage shares: layout, configuration, schemas, ids, Parquet I/O."""
