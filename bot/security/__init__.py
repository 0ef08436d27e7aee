"""The encryption key's life: checked at start, rotated on demand."""
