# fl-operator image: both binaries (fl-operator, fl-model) on Debian slim, non-root.
# Build:  docker build -t fl-operator:dev .
FROM debian:bookworm AS build
WORKDIR /src
COPY deploy/local/install-deps.sh deploy/local/install-deps.sh
RUN deploy/local/install-deps.sh
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DFLOP_BUILD_TESTS=OFF \
 && cmake --build /build \
 && strip /build/cmd/fl-operator/fl-operator /build/cmd/fl-model/fl-model

FROM debian:bookworm-slim AS runtime
COPY deploy/image/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && grep -v '^#' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
COPY --from=build /build/cmd/fl-operator/fl-operator /build/cmd/fl-model/fl-model /usr/local/bin/
# 65532: the conventional "nonroot" uid; the chart's securityContext expects a numeric user.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/fl-operator"]
