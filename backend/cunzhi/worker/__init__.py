"""The job worker: Procrastinate on the same PostgreSQL (see app.py and tasks.py)."""
