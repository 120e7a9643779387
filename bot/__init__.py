"""Design Kata: the platform-neutral core."""
