# rxledger's container images, one build for every target (docker-compose.yml
# at the repository root uses them; deploy/fabric/README.md describes the
# network). Targets:
#   rxledger     the rxledger command (`rxledger serve`)
#   chaincode    the chaincode servers run as a service by each organisation:
#                /opt/rxledger/chaincode/rxledger (chaincode/cmd/rxledger-cc)
#                and /opt/rxledger/chaincode/baseline (deploy/fabric/baseline)
#   fabric-tools Fabric's CLI tools with deploy/fabric, to prepare and deploy
#                the network (deploy/fabric/scripts/up, RXL_FABRIC_PHASE)
# The chaincode and rxledger images run as root: they read TLS keys and
# identities from the network volume, which the fabric-tools step writes as
# root with mode 0600.
# No Docker engine runs where this project is developed: this file has not
# been built there (see deploy/fabric/README.md).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -o /out/rxledger ./services/cmd/rxledger \
 && go build -trimpath -o /out/chaincode/rxledger ./chaincode/cmd/rxledger-cc \
 && go build -trimpath -o /out/chaincode/baseline ./deploy/fabric/baseline

# The chaincode servers' run scripts (written by scripts/up) are bash.
FROM debian:bookworm-slim AS chaincode
RUN apt-get update && apt-get install -y --no-install-recommends bash && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/chaincode/ /opt/rxledger/chaincode/
ENTRYPOINT ["/opt/rxledger/chaincode/rxledger"]

FROM hyperledger/fabric-tools:2.5 AS fabric-tools
COPY deploy/fabric/ /src/deploy/fabric/
ENV FABRIC_BIN=/usr/local/bin
ENTRYPOINT ["/src/deploy/fabric/scripts/up"]

FROM debian:bookworm-slim AS rxledger
RUN apt-get update && apt-get install -y --no-install-recommends bash ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/rxledger /usr/local/bin/rxledger
ENTRYPOINT ["/usr/local/bin/rxledger"]
CMD ["serve"]
