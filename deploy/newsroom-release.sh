#!/bin/sh
# One release step, run once per deploy from any one machine with the release and
# /etc/newsroom/newsroom.env: apply migrations on the primary and collect static
# files (each app server serves or uploads its own copy: run collectstatic there too
# when static files are local). Then restart newsroom-web and newsroom-worker.
set -eu
cd /srv/newsroom
set -a; . /etc/newsroom/newsroom.env; set +a
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput
.venv/bin/python manage.py check --deploy
