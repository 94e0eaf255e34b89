#!/usr/bin/env bash
# Installs the pinned moto server (a second real S3 implementation with ACLs, versioning,
# SSE, tagging and IAM/STS enforcement) into a virtualenv cached outside the clone, with boto3
# as the tests' independent client. Prints the venv's bin directory.
set -euo pipefail
MOTO_VERSION=5.2.5
server=$("$(dirname "$0")/pip-tool.sh" moto "$MOTO_VERSION" "moto[server]==$MOTO_VERSION" moto_server)
dirname "$server"
