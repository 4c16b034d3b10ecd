# schemagate's GitHub Action: Python, PostgreSQL 15/16/17 server binaries, the package.
FROM python:3.11-slim-bookworm

ARG PG_MAJORS="15 16 17"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Server binaries from the PostgreSQL project's apt repository, so the check runs on production's major,
# with the real extensions it packages for each. pg_cron, pg_net and http are left out on purpose: a
# check always uses their stand-ins, so that it never runs jobs or sends requests.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg git \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
      https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && packages=() && for v in $PG_MAJORS; do \
      packages+=("postgresql-$v" "postgresql-$v-pgvector" "postgresql-$v-hypopg" "postgresql-$v-plpgsql-check" \
                 "postgresql-$v-pgtap" "postgresql-$v-rum" "postgresql-$v-repack"); \
    done \
 && apt-get install -y --no-install-recommends "${packages[@]}" \
 && apt-get purge -y curl gnupg && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* \
 # the workspace is mounted with another owner: let git read it
 && git config --system --add safe.directory '*'

# PostgreSQL refuses root; the Action runs as root, so the throwaway server runs as this user.
RUN useradd --system --create-home --shell /usr/sbin/nologin schemagate
ENV SCHEMAGATE_PG_USER=schemagate \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY pyproject.toml README.md /build/
COPY src /build/src
COPY entrypoint /entrypoint
# The image has system PostgreSQL: the bundled pgserver fallback is left out to keep it small.
RUN pip install --no-deps /build \
 && pip install "psycopg[binary]>=3.1" "pglast>=7" "PyGithub>=2.1" "PyYAML>=6" "requests>=2.31" "orjson>=3.8" \
 && rm -rf /build

ENTRYPOINT ["python", "/entrypoint/main.py"]
