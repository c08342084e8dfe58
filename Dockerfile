# consentgw container: a static build on Debian, run as an unprivileged user.
# The phone page's script is bundled from npm first (what `make phone` does).
FROM node:20-bookworm-slim AS phone
WORKDIR /web
COPY cmd/internal/phone/web/ ./
RUN npm ci --no-audit --no-fund && npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=phone /web/dist/phone.js cmd/internal/phone/web/dist/phone.js
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/consentgw/consentgw/cmd/internal/gateway.Version=${VERSION}" \
      -o /out/consentgw ./cmd/consentgw

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/consentgw consentgw && mkdir -p /var/lib/consentgw \
    && chown consentgw /var/lib/consentgw
COPY --from=build /out/consentgw /usr/local/bin/consentgw
USER consentgw
WORKDIR /var/lib/consentgw
# SIP, NATS (embedded), HTTP; RTP uses media.port_min..port_max (publish the range you configure).
EXPOSE 5060/udp 5060/tcp 4222/tcp 8080/tcp
ENTRYPOINT ["consentgw"]
CMD ["serve"]
