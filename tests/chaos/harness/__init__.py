"""The chaos harness of RELIABILITY.md section 4: ledger and tenant publishers, reply collector,
process supervisor, checker (figure block and verdict), TCP fault proxy, private RabbitMQ node
and private PostgreSQL cluster."""
