# syntax=docker/dockerfile:1
# Images of the Gene benchmark farm, built with the README's own steps.
#
#   docker build --target worker      -t gene-farm/worker:0.1.0 .
#   docker build --target coordinator -t gene-farm/coordinator:0.1.0 .
#
# Stages:
#   build        Debian 12 + the README's `scripts/install-deps` (its own
#                layer, kept across source changes), then `scripts/build`:
#                every binary in build/bin/, and the list of Debian packages
#                their shared libraries come from.
#   worker       debian:12-slim + those packages + build/bin/worker
#   coordinator  debian:12-slim + those packages + build/bin/coordinator and
#                bench/ (so local mode and the submit CronJob find the suites)
# Both run as the unprivileged user 10001 (deploy/k8s sets runAsNonRoot).
# .dockerignore keeps build trees, node_modules and package.json out of the
# context (the npm packages are for the tests only; without package.json
# scripts/install-deps does not run npm).

FROM debian:12 AS build
WORKDIR /src
# The packages first, from install-deps alone: this layer depends on nothing
# else, so a change to the source reuses it instead of reinstalling every
# package. install-deps reads no other file here (package.json, its only
# other input, stays out of the context: see .dockerignore).
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps
# Then the source and the build. The .git directory, when present in the
# context, gives the build its commit (gene_build_info).
COPY . .
RUN scripts/build \
 && deploy/docker/runtime-packages build/bin/worker > build/runtime-packages-worker.txt \
 && deploy/docker/runtime-packages build/bin/coordinator > build/runtime-packages-coordinator.txt

FROM debian:12-slim AS worker
COPY --from=build /src/build/runtime-packages-worker.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --gid 10001 gene && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin gene
COPY --from=build /src/build/bin/worker /usr/local/bin/worker
USER 10001:10001
# gRPC (Worker + grpc.health.v1) and /metrics, as in deploy/k8s
EXPOSE 7070 9101
ENTRYPOINT ["/usr/local/bin/worker"]
CMD ["--listen", "0.0.0.0:7070", "--metrics-port", "9101"]

FROM debian:12-slim AS coordinator
COPY --from=build /src/build/runtime-packages-coordinator.txt /tmp/runtime-packages.txt
# sqlite3: back up and query the results store in place (docs/history.md)
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends sqlite3 \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --gid 10001 gene && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin gene
COPY --from=build /src/build/bin/coordinator /usr/local/bin/coordinator
COPY --from=build /src/bench /bench
USER 10001:10001
# gRPC (Coordinator + grpc.health.v1) and /metrics, as in deploy/k8s
EXPOSE 7071 9100
ENTRYPOINT ["/usr/local/bin/coordinator"]
# Local mode in a container keeps no history (its file system is not kept):
# mount a volume and give --store to keep one.
CMD ["submit", "/bench/suites/vm_internals.yaml", "--store", "none"]
