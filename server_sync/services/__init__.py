"""Server logic as plain functions over a SQLAlchemy `Session`: testable without HTTP."""
