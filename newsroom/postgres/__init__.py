"""Django's PostgreSQL backend, told not to knock on a database that just failed
(base.py; newsroom/outages.py explains why). Django loads a backend from a package
named in ENGINE, hence this folder."""
