"""What the tests share: factories, a live server, a throwaway PostgreSQL, an SMTP server."""
