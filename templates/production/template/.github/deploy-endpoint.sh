#!/usr/bin/env bash
# Deploy infra/endpoint.yaml for one stage with infra/params/<stage>.json.
# Needs PROJECT, MODEL_PACKAGE_ARN and CFN_ROLE_ARN in the environment.
set -euo pipefail
stage="$1"
mapfile -t overrides < <(jq -r 'to_entries[] | "\(.key)=\(.value)"' "infra/params/${stage}.json")
aws cloudformation deploy \
  --stack-name "${PROJECT}-endpoint-${stage}" \
  --template-file infra/endpoint.yaml \
  --role-arn "${CFN_ROLE_ARN}" \
  --no-fail-on-empty-changeset \
  --parameter-overrides "StageName=${stage}" "ModelPackageArn=${MODEL_PACKAGE_ARN}" "${overrides[@]}"
