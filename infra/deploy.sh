#!/usr/bin/env bash
# infra/deploy.sh STAGE: package Ringflow for STAGE (dev, prod) and deploy it with CloudFormation.
#
# Needs AWS credentials for the target account, the aws CLI v2, and:
#   ARTIFACT_BUCKET  an existing S3 bucket (same region) for the deployment package
#   AWS_REGION       or AWS_DEFAULT_REGION
# Optional:
#   STACK_NAME       default ringflow-STAGE
#   PUBLIC_BASE_URL  public base URL of the API (a custom domain); default: the stack's ApiUrl
#   ALARM_EMAIL      an address subscribed to the alarm topic
#   OPERATOR_KEY_HASH  sha256 hex of the operator key (`ringflow operator key` makes one); turns
#                    the REST API's operator routes on. Unset: the stack keeps its current value
#   MAIL_RECIPIENTS  addresses or domains SES receives mail for, comma-separated (their MX
#                    records point at SES); makes the receipt rule set (activate it once:
#                    aws ses set-active-receipt-rule-set --rule-set-name ringflow-STAGE-mail)
#   MAIL_FROM        the platform's sender address (its domain verified in SES)
#                    Unset: the stack keeps its current values of these two
#   BUILD_DIR        where the package is built, default ./build (then BUILD_DIR/STAGE)
#
# The Vonage credentials are never passed on the command line: they live in the Secrets Manager
# secret ringflow/STAGE/vonage (a JSON object with application_id, private_key, api_key,
# api_secret, signature_secret) and the template reads them with dynamic references. The
# secret's current version id is passed as VonageSecretVersion so that a changed secret reaches
# the functions on the next deployment. The app's own secrets live in ringflow/STAGE/app (a JSON
# object: portal_secret, 32+ characters signing the users' web sessions; account_password_key,
# 32+ random characters under which lot and bought accounts' passwords are derived;
# stripe_secret_key and stripe_webhook_secret, Stripe's keys), passed by version the same way.
set -euo pipefail

STAGE=${1:?usage: infra/deploy.sh STAGE}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:?set AWS_REGION or AWS_DEFAULT_REGION}}
STACK=${STACK_NAME:-ringflow-$STAGE}
BUCKET=${ARTIFACT_BUCKET:?set ARTIFACT_BUCKET to an S3 bucket for the deployment package}
SECRET_ID="ringflow/$STAGE/vonage"
APP_SECRET_ID="ringflow/$STAGE/app"
OUT="${BUILD_DIR:-$ROOT/build}/$STAGE"
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION

if ! SECRET_VERSION=$(aws secretsmanager describe-secret --secret-id "$SECRET_ID" \
        --query 'VersionIdsToStages' --output json 2>/dev/null |
        "$PYTHON" -c 'import json,sys; print(next(v for v, s in json.load(sys.stdin).items() if "AWSCURRENT" in s))'); then
    cat >&2 <<EOF
The secret $SECRET_ID does not exist (or has no current version). Create it first:
  aws secretsmanager create-secret --name $SECRET_ID --secret-string file://vonage.json
with vonage.json = {"application_id": "...", "private_key": "-----BEGIN PRIVATE KEY-----\\n...",
                    "api_key": "...", "api_secret": "...", "signature_secret": "..."}
EOF
    exit 1
fi

if ! APP_SECRET_VERSION=$(aws secretsmanager describe-secret --secret-id "$APP_SECRET_ID" \
        --query 'VersionIdsToStages' --output json 2>/dev/null |
        "$PYTHON" -c 'import json,sys; print(next(v for v, s in json.load(sys.stdin).items() if "AWSCURRENT" in s))'); then
    cat >&2 <<EOF
The secret $APP_SECRET_ID does not exist (or has no current version). Create it first:
  aws secretsmanager create-secret --name $APP_SECRET_ID --secret-string file://app.json
with app.json = {"portal_secret": "<32+ random characters>",
                 "account_password_key": "<32+ random characters>",
                 "stripe_secret_key": "sk_live_...", "stripe_webhook_secret": "whsec_..."}
(python3 -c 'import secrets; print(secrets.token_urlsafe(32))' prints a random value.)
EOF
    exit 1
fi

stack_output() {
    aws cloudformation describe-stacks --stack-name "$STACK" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text 2>/dev/null || true
}

OPTIONAL_PARAMETERS=()
if [ -n "${OPERATOR_KEY_HASH:-}" ]; then
    OPTIONAL_PARAMETERS+=("OperatorKeyHash=$OPERATOR_KEY_HASH")
fi
if [ -n "${MAIL_RECIPIENTS:-}" ]; then
    OPTIONAL_PARAMETERS+=("MailRecipients=$MAIL_RECIPIENTS")
fi
if [ -n "${MAIL_FROM:-}" ]; then
    OPTIONAL_PARAMETERS+=("MailFrom=$MAIL_FROM")
fi

deploy() {
    aws cloudformation deploy \
        --template-file "$OUT/packaged.yaml" \
        --stack-name "$STACK" \
        --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND \
        --no-fail-on-empty-changeset \
        --parameter-overrides \
            "PublicBaseUrl=$1" \
            "VonageSecretVersion=$SECRET_VERSION" \
            "AppSecretVersion=$APP_SECRET_VERSION" \
            "AlarmEmail=${ALARM_EMAIL:-}" \
            ${OPTIONAL_PARAMETERS[@]+"${OPTIONAL_PARAMETERS[@]}"}
}

"$PYTHON" -m infra.package --stage "$STAGE" --out "$OUT" --region "$REGION"
aws cloudformation package \
    --template-file "$OUT/sam.json" \
    --s3-bucket "$BUCKET" \
    --s3-prefix "ringflow/$STAGE" \
    --output-template-file "$OUT/packaged.yaml"

BASE_URL=${PUBLIC_BASE_URL:-$(stack_output ApiUrl)}
[ "$BASE_URL" = "None" ] && BASE_URL=""
deploy "$BASE_URL"
if [ -z "$BASE_URL" ]; then
    # First deployment: the API's URL exists only now; give it to the functions.
    BASE_URL=$(stack_output ApiUrl)
    deploy "$BASE_URL"
fi

aws cloudformation describe-stacks --stack-name "$STACK" \
    --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table
