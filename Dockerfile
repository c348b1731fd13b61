# syntax=docker/dockerfile:1
# One Dockerfile for the suite's five processes; PROCESS picks the image.
# Build from the repository root:
#   buildah bud --layers --build-arg PROCESS=targets-svc -t sales/targets-svc:dev .
#   docker build --build-arg PROCESS=targets-svc -t sales/targets-svc:dev .
# PROCESS: gateway | targets-svc | customers-svc | orders-svc | finance-svc
# (the gateway image also carries salesctl, which the sweep CronJobs run).
#
# The build stage does not read PROCESS: it compiles all five processes and
# salesctl once, so building the five images one after the other (buildah
# --layers, docker's cache) compiles the project once and reuses that stage.
# BASE is any Debian 12 image: the default pulls debian:12-slim; an offline
# machine can use one made by debootstrap (see k8s/README.md).
ARG BASE=docker.io/library/debian:12-slim
ARG PROCESS

# ---- build: the one CMake project, the six executables the images carry.
FROM ${BASE} AS build
# The build needs what a developer machine needs (scripts/lib.sh is the one
# list), less the database server the tests start.
COPY scripts/lib.sh /tmp/lib.sh
RUN bash -c 'source /tmp/lib.sh \
      && apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
           $(printf "%s\n" "${DEBIAN_PACKAGES[@]}" | grep -v "^mariadb-")' \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Sources only: build folders, node_modules and .run never enter the context
# (.dockerignore keeps them out of what is sent, too).
COPY CMakeLists.txt ./
COPY cmake cmake
COPY protos protos
COPY platform platform
COPY targets-svc targets-svc
COPY customers-svc customers-svc
COPY orders-svc orders-svc
COPY finance-svc finance-svc
COPY gateway gateway
COPY tools tools
COPY tests tests
COPY bench bench
ARG JOBS=2
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release >/dev/null \
 && cmake --build /build -j "${JOBS}" \
      --target gateway targets-svc customers-svc orders-svc finance-svc salesctl \
 && mkdir -p /out/bin \
 && for t in gateway targets-svc customers-svc orders-svc finance-svc salesctl; do \
      cp "$(find /build -type f -name "$t" -perm -u+x | head -1)" /out/bin/; \
    done \
 && strip /out/bin/*
# Per binary, the Debian packages that own the shared libraries it loads
# (ldd → dpkg -S); then per image, its binaries and the union of their
# packages, under /out/<image>/ for the runtime stage to take one of.
RUN set -e; for b in /out/bin/*; do \
      for f in $(ldd "$b" | awk '/=> \//{print $3}' | sort -u); do \
        r="$(realpath "$f")"; \
        dpkg -S "$r" 2>/dev/null || dpkg -S "${r#/usr}" 2>/dev/null || dpkg -S "/usr$r"; \
      done | cut -d: -f1 | sort -u > "$b.packages"; \
    done \
 && for image in gateway targets-svc customers-svc orders-svc finance-svc; do \
      case "$image" in gateway) bins="gateway salesctl" ;; *) bins="$image" ;; esac; \
      mkdir -p "/out/$image/bin" "/out/$image/etc"; \
      for b in $bins; do cp "/out/bin/$b" "/out/$image/bin/"; cat "/out/bin/$b.packages"; done \
        | sort -u > "/out/$image/runtime-packages.txt"; \
      echo "$image: $(tr '\n' ' ' < "/out/$image/runtime-packages.txt")"; \
    done \
 && mkdir -p /out/gateway/etc/gateway \
 && cp gateway/policy.json /out/gateway/etc/gateway/policy.json

# ---- runtime: Debian 12, the shared libraries of PROCESS's binaries, a
# non-root user, and nothing written to the root filesystem (logs go to
# stdout, config comes from the environment and mounted Secrets).
FROM ${BASE} AS runtime
ARG PROCESS
RUN case "${PROCESS}" in \
      gateway|targets-svc|customers-svc|orders-svc|finance-svc) ;; \
      *) echo "PROCESS must be one of gateway targets-svc customers-svc orders-svc finance-svc (--build-arg PROCESS=...), not '${PROCESS}'" >&2; exit 1 ;; \
    esac
COPY --from=build /out/${PROCESS}/runtime-packages.txt /usr/share/sales/runtime-packages.txt
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      $(cat /usr/share/sales/runtime-packages.txt) \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/* \
 && groupadd --system --gid 10001 sales \
 && useradd --system --uid 10001 --gid sales --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sales
COPY --from=build /out/${PROCESS}/bin/ /usr/local/bin/
# The gateway's method policy (config policy_file; re-read while running, so
# a ConfigMap mounted over it changes policy without a restart); empty for
# the services.
COPY --from=build /out/${PROCESS}/etc/ /etc/sales/
USER 10001:10001
# SIGTERM → NOT_SERVING → drain within drain_deadline → exit 0.
STOPSIGNAL SIGTERM

# ---- per process: its gRPC port (health: grpc.health.v1), its Prometheus
# port, and its binary. The last FROM picks PROCESS's.
FROM runtime AS gateway
EXPOSE 50060 51060
ENV SALES_LISTEN=0.0.0.0:50060 \
    SALES_METRICS_LISTEN=0.0.0.0:51060
ENTRYPOINT ["/usr/local/bin/gateway"]

FROM runtime AS targets-svc
EXPOSE 50061 51061
ENV SALES_LISTEN=0.0.0.0:50061 \
    SALES_METRICS_LISTEN=0.0.0.0:51061
ENTRYPOINT ["/usr/local/bin/targets-svc"]

FROM runtime AS customers-svc
EXPOSE 50062 51062
ENV SALES_LISTEN=0.0.0.0:50062 \
    SALES_METRICS_LISTEN=0.0.0.0:51062
ENTRYPOINT ["/usr/local/bin/customers-svc"]

FROM runtime AS orders-svc
EXPOSE 50063 51063
ENV SALES_LISTEN=0.0.0.0:50063 \
    SALES_METRICS_LISTEN=0.0.0.0:51063
ENTRYPOINT ["/usr/local/bin/orders-svc"]

FROM runtime AS finance-svc
EXPOSE 50064 51064
ENV SALES_LISTEN=0.0.0.0:50064 \
    SALES_METRICS_LISTEN=0.0.0.0:51064
ENTRYPOINT ["/usr/local/bin/finance-svc"]

FROM ${PROCESS}
