# schemagate's GitHub Action: Python, PostgreSQL server binaries with Supabase's extensions, the package.
#
# The defaults build the published image (three majors from the PostgreSQL project's apt
# repository). A machine without a registry builds from a Debian base of its own with
# PG_APT=debian (only what that base's apt sources carry): .ci/container/build does.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# The package in a virtual environment of its own, built apart so that no compiler tool reaches
# the image: wheels ship their compiled parts with symbols, and pglast its C sources.
FROM ${BASE_IMAGE} AS python
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DEBIAN_FRONTEND=noninteractive
COPY pyproject.toml README.md /build/
COPY requirements/image.txt /build/requirements/image.txt
COPY src /build/src
# python3-venv, not python3 alone: a Debian base may have python3 without ensurepip, which `venv`
# needs (a python.org base has both and gets nothing from apt)
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils \
 && if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then \
      apt-get install -y --no-install-recommends python3 python3-venv; \
    fi \
 && python3 -m venv /opt/schemagate \
 # exactly the versions the tests ran (requirements/image.txt, written by tools/lock_image.py):
 # psycopg without its binary wheel, over the image's own libpq (the wheel brings a second libpq
 # and OpenSSL, 10 MB, and the check runs no faster with it: bench/README.md); no pgserver (the
 # image has system PostgreSQL); no cryptography (PyGithub's app logins only, never its token ones)
 && /opt/schemagate/bin/pip install --no-deps -r /build/requirements/image.txt \
 && /opt/schemagate/bin/pip install --no-deps /build \
 && /opt/schemagate/bin/pip uninstall -y pip setuptools \
 && find /opt/schemagate -name '*.so*' -type f -exec strip --strip-unneeded {} + \
 && find /opt/schemagate -type f \( -name '*.c' -o -name '*.pyx' -o -name '*.pxd' -o -name '*.pyi' \) -delete

FROM ${BASE_IMAGE}
# pgdg: the PostgreSQL project's repository; debian: only the base's own apt sources
ARG PG_APT=pgdg
ARG PG_MAJORS="15 16 17"
# package suffixes: postgresql-<major>-<suffix>. pg_cron, pg_net and http are left out on
# purpose: a check always uses their stand-ins, so that it never runs jobs or sends requests.
ARG PG_EXTENSIONS="pgvector hypopg plpgsql-check pgtap rum repack pgaudit postgis-3 pgrouting"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# One layer: what the install leaves behind is removed in the same step, so it never reaches the
# image.
# hadolint ignore=DL3008
RUN case "$PG_APT" in \
      pgdg|debian) ;; \
      *) echo "PG_APT must be pgdg or debian, not '$PG_APT'" >&2; exit 1 ;; \
    esac \
 && export DEBIAN_FRONTEND=noninteractive \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && if ! command -v python3 >/dev/null; then apt-get install -y --no-install-recommends python3; fi \
 && if [ "$PG_APT" = pgdg ]; then \
      apt-get install -y --no-install-recommends curl \
      && install -d /usr/share/postgresql-common/pgdg \
      && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
           https://www.postgresql.org/media/keys/ACCC4CF8.asc \
      && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
           > /etc/apt/sources.list.d/pgdg.list \
      && apt-get update \
      && apt-get purge -y curl; \
    fi \
 && packages=() && for v in $PG_MAJORS; do \
      packages+=("postgresql-$v"); \
      for ext in $PG_EXTENSIONS; do packages+=("postgresql-$v-$ext"); done; \
    done \
 && printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d \
 && apt-get install -y --no-install-recommends "${packages[@]}" \
 && rm -f /usr/sbin/policy-rc.d \
 && apt-get autoremove -y \
 && rm -rf /usr/lib/postgresql/*/lib/llvmjit* /usr/lib/postgresql/*/lib/bitcode \
 # Nothing is installed with apt after this, so these go against their dependents' wishes:
 # libllvm and the z3 solver it alone needs (JIT: a throwaway check database has no use for it),
 # and perl beyond perl-base
 # (postgresql-common's wrappers and git's scripts, which a check never runs; the git commands it
 # runs are built in).
 && for unused in $(dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' 'libllvm*' 'libz3-*' perl 'perl-modules-*' \
                    'libperl5*' | sed -n 's/^ii *//p'); do \
      dpkg --purge --force-depends "$unused"; \
    done \
 # git's network and server programs (a check reads the checkout; actions/checkout fetched it), and
 # PROJ's datum-shift grids (without them PROJ transforms by its database alone)
 && rm -f /usr/lib/git-core/git-remote-http* /usr/lib/git-core/git-remote-ftp* /usr/lib/git-core/git-http-* \
      /usr/lib/git-core/git-imap-send /usr/lib/git-core/git-daemon /usr/lib/git-core/git-shell \
      /usr/lib/git-core/scalar /usr/bin/scalar /usr/bin/git-shell \
      /usr/share/proj/*.gsb /usr/share/proj/*.gtx /usr/share/proj/*.tif \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
      /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/* /usr/share/i18n \
      /usr/share/postgresql/*/man /var/lib/postgresql/* /etc/postgresql/* \
 # the workspace is mounted with another owner: let git read it
 && git config --system --add safe.directory '*'

# PostgreSQL refuses root; the Action runs as root, so the throwaway server runs as this user.
RUN useradd --system --create-home --shell /usr/sbin/nologin schemagate
ENV SCHEMAGATE_PG_USER=schemagate \
    PYTHONDONTWRITEBYTECODE=1

COPY --from=python /opt/schemagate /opt/schemagate
COPY entrypoint /entrypoint

ENTRYPOINT ["/opt/schemagate/bin/python", "/entrypoint/main.py"]
