"""Tips: reporting, the identity vault, delivery to commune police, triage and the relay."""
