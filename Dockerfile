# La orden rq de este repositorio (con las tareas del tutorial), para el
# worker y el panel de docker-compose.yml.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/rq ./cmd/rq

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rq /usr/local/bin/rq
ENTRYPOINT ["/usr/local/bin/rq"]
