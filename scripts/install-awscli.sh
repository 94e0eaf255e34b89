#!/usr/bin/env bash
# Installs the pinned AWS CLI (what most users would otherwise pick to move large files; its
# `aws s3 cp` sends up to 10 parts at once) into a virtualenv cached outside the clone, for the
# real-link benchmark. Prints the path of its `aws` command.
set -euo pipefail
AWSCLI_VERSION=1.46.3
"$(dirname "$0")/pip-tool.sh" awscli "$AWSCLI_VERSION" "awscli==$AWSCLI_VERSION" aws
