"""Files the kit ships to students (copied into every release/<name>/)."""
