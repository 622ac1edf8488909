"""The deployment: the real app packaged for ``dev`` with the merged resources, checked by cfn-lint
and against the names the app and the store use; ``infra/deploy.sh`` driven against a fake
``aws`` command.

The package is the session's one dev build (``dev_package`` in ``conftest.py``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.store.tables import cloudformation_resources
from chalicelib.telephony.vonage import urls
from infra.resources import finalize, load_stage, merge_template

REPO = Path(__file__).resolve().parents[2]
STAGE = "dev"


@pytest.fixture(scope="module")
def packaged(dev_package: Path) -> tuple[Path, dict[str, Any]]:
    path = dev_package / "sam.json"
    return path, json.loads(path.read_text())


@pytest.fixture(scope="module")
def resources(packaged: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    resources: dict[str, Any] = packaged[1]["Resources"]
    return resources


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: value for name, value in resources.items() if value["Type"] == kind}


def test_the_packaged_template_passes_cfn_lint(packaged):
    # GIVEN the real app packaged for dev WHEN cfn-lint reads the template
    path, _ = packaged
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True, check=False)
    # THEN it reports nothing
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_every_table_of_the_store_is_in_the_template(resources):
    # GIVEN the store's table resources for dev WHEN compared with the template
    expected = cloudformation_resources(STAGE)
    # THEN each one is there, unchanged, under the table prefix the app reads
    prefix = load_stage(STAGE).environment["RINGFLOW_TABLE_PREFIX"]
    for logical_id, table in expected.items():
        assert resources[logical_id] == table
        assert table["Properties"]["TableName"].startswith(prefix)


def test_every_queue_the_app_consumes_is_created_with_its_exact_name(resources):
    # GIVEN the SQS event sources Chalice generated for the app's handlers
    created = {
        queue["Properties"]["QueueName"]: name
        for name, queue in _of_type(resources, "AWS::SQS::Queue").items()
    }
    consumed = {}
    for function in _of_type(resources, "AWS::Serverless::Function").values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                queue_arn = event["Properties"]["Queue"]["Fn::Sub"]
                consumed[queue_arn.rsplit(":", 1)[-1]] = event["Properties"]
    # THEN the tasks queue of the stage config is among them, each is created by the template,
    # and partial batch responses are enabled
    assert load_stage(STAGE).task_queue == "ringflow-dev-tasks"
    assert "ringflow-dev-tasks" in consumed
    assert "ringflow-dev-mail" in consumed
    for queue, properties in consumed.items():
        assert queue in created, f"the template does not create queue {queue}"
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    tasks = resources[created["ringflow-dev-tasks"]]["Properties"]
    assert tasks["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["TasksDeadLetterQueue", "Arn"]
    }


def test_every_function_runs_with_the_role_that_grants_the_apps_resources(resources):
    # GIVEN the functions and the Lambda role
    role = resources["DefaultRole"]["Properties"]
    (policy,) = role["Policies"]
    granted = json.dumps(policy["PolicyDocument"])
    # THEN every function uses it, and it names every table, the queue, bucket and schedules
    for function in _of_type(resources, "AWS::Serverless::Function").values():
        assert function["Properties"]["Role"] == {"Fn::GetAtt": ["DefaultRole", "Arn"]}
    for table in cloudformation_resources(STAGE):
        assert f'"{table}"' in granted and f"${{{table}.Arn}}/index/*" in granted
    for needed in ("TasksQueue", "RecordingsBucket", "schedule/ringflow-dev/*", "SchedulerRole"):
        assert needed in granted
    assert "sqs:ReceiveMessage" in granted and "sqs:DeleteMessage" in granted


def test_the_recordings_bucket_is_private_encrypted_and_expires_objects(resources):
    # GIVEN the bucket resource
    bucket = resources["RecordingsBucket"]["Properties"]
    # THEN it has the stage's name, encryption, a full public access block and a lifecycle
    assert bucket["BucketName"] == load_stage(STAGE).environment["RINGFLOW_RECORDINGS_BUCKET"]
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] > 0


def test_mail_flows_from_ses_through_the_bucket_and_topic_to_the_queue_the_app_reads(resources):
    # GIVEN the mail resources of the dev template
    stage = load_stage(STAGE)
    rule = resources["MailReceiptRule"]
    (action,) = rule["Properties"]["Rule"]["Actions"]
    # THEN SES's rule (only when recipients are given) scans, stores under inbound/, notifies
    assert rule["Condition"] == "HasMailRecipients"
    assert rule["Properties"]["Rule"]["ScanEnabled"] is True
    assert action["S3Action"] == {
        "BucketName": {"Ref": "MailBucket"},
        "ObjectKeyPrefix": "inbound/",
        "TopicArn": {"Ref": "MailTopic"},
    }
    assert resources["MailBucket"]["Properties"]["BucketName"] == stage.mail_bucket
    # AND SES may write only there and publish only for that rule; the topic feeds the queue
    bucket_policy = resources["MailBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    ses_put = next(s for s in bucket_policy if s["Effect"] == "Allow")
    assert ses_put["Principal"] == {"Service": "ses.amazonaws.com"}
    assert ses_put["Action"] == "s3:PutObject"
    assert ses_put["Resource"] == {"Fn::Sub": "${MailBucket.Arn}/inbound/*"}
    assert "receipt-rule/ringflow-dev-mail-store" in json.dumps(ses_put["Condition"])
    (feed,) = resources["MailQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert feed["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "MailTopic"}}}
    subscription = resources["MailSubscription"]["Properties"]
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["MailQueue", "Arn"]}
    assert resources["MailQueue"]["Properties"]["QueueName"] == stage.mail_queue
    # AND the functions may read the stored mail and send mail, and know the sender address
    granted = json.dumps(resources["DefaultRole"]["Properties"]["Policies"][0])
    assert "${MailBucket.Arn}/inbound/*" in granted and "ses:SendRawEmail" in granted
    for function in _of_type(resources, "AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["RINGFLOW_MAIL_FROM"] == {"Ref": "MailFrom"}


def test_scheduler_has_its_group_and_a_role_that_can_only_send_to_the_tasks_queue(resources):
    # GIVEN the scheduler resources
    group = resources["ScheduleGroup"]["Properties"]
    role = resources["SchedulerRole"]["Properties"]
    # THEN the group is named after the stage and the role is Scheduler's, for the queue only
    assert group["Name"] == "ringflow-dev"
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    (statement,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == {"Fn::GetAtt": ["TasksQueue", "Arn"]}


def test_alarms_watch_api_errors_lambda_errors_the_dead_letters_and_fallbacks(resources):
    # GIVEN the alarms of the template
    alarms = _of_type(resources, "AWS::CloudWatch::Alarm")
    metrics = {
        (alarm["Properties"]["Namespace"], alarm["Properties"]["MetricName"]): alarm["Properties"]
        for alarm in alarms.values()
    }
    # THEN each watched metric is there, with "more than zero" as the threshold
    assert ("AWS/ApiGateway", "5XXError") in metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in metrics
    assert ("Ringflow", "FallbackAnswers") in metrics
    assert all(alarm["Properties"]["Threshold"] == 0 for alarm in alarms.values())
    # AND the 5xx alarm's API name is the name the API really gets
    api5xx = metrics[("AWS/ApiGateway", "5XXError")]["Dimensions"]
    assert {"Name": "ApiName", "Value": "ringflow-dev"} in api5xx
    assert resources["RestAPI"]["Properties"]["DefinitionBody"]["info"]["title"] == "ringflow-dev"
    # AND every function has its own Errors alarm
    for name in _of_type(resources, "AWS::Serverless::Function"):
        errors = alarms[f"{name}ErrorsAlarm"]["Properties"]
        assert errors["MetricName"] == "Errors"
        assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]


def test_outputs_give_the_api_and_the_webhook_urls_for_vonage(packaged):
    # GIVEN the template's outputs
    outputs = packaged[1]["Outputs"]
    # THEN the webhook URLs end with the paths the app serves
    for key, path in {
        "VonageAnswerUrl": urls.ANSWER_PATH,
        "VonageEventUrl": urls.EVENT_PATH,
        "VonageFallbackUrl": urls.FALLBACK_PATH,
        "VonageSmsInboundUrl": urls.SMS_INBOUND_PATH,
    }.items():
        custom, default = outputs[key]["Value"]["Fn::If"][1:]
        assert custom["Fn::Sub"].endswith(path) and default["Fn::Sub"].endswith("/api" + path)
    assert outputs["ApiUrl"]["Value"]["Fn::Sub"].endswith(".${AWS::URLSuffix}/api")


def test_functions_get_the_vonage_secrets_by_reference_only(resources):
    # GIVEN the environment of every function
    for function in _of_type(resources, "AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        # THEN each Vonage credential is a Secrets Manager dynamic reference
        for name in ("VONAGE_PRIVATE_KEY", "VONAGE_API_SECRET", "VONAGE_SIGNATURE_SECRET"):
            assert re.fullmatch(
                r"\{\{resolve:secretsmanager:ringflow/dev/vonage:SecretString:\w+\}\}",
                variables[name],
            )
        assert variables["RINGFLOW_SCHEDULE_GROUP"] == {"Ref": "ScheduleGroup"}
        assert variables["RINGFLOW_TASK_QUEUE"] == "ringflow-dev-tasks"


def test_functions_get_the_operator_key_hash_from_a_secret_parameter(packaged):
    # GIVEN the template's parameters and the environment of every function
    template = packaged[1]
    parameter = template["Parameters"]["OperatorKeyHash"]
    # THEN the hash is a hidden, checked parameter, empty by default (operator routes off)
    assert parameter["NoEcho"] is True and parameter["Default"] == ""
    assert re.fullmatch(parameter["AllowedPattern"], "a" * 64)
    assert not re.fullmatch(parameter["AllowedPattern"], "rfop_key-itself")
    for function in _of_type(template["Resources"], "AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["RINGFLOW_OPERATOR_KEY_HASH"] == {"Ref": "OperatorKeyHash"}


def render_gateway_response(template: str, message: str) -> Any:
    """What API Gateway sends for a gateway response template (simple substitution)."""
    return json.loads(
        template.replace("$context.error.messageString", json.dumps(message)).replace(
            "$context.requestId", "req-1"
        )
    )


def test_api_gateways_own_answers_are_problems(resources):
    # GIVEN the gateway responses in the deployed API's definition
    definition = resources["RestAPI"]["Properties"]["DefinitionBody"]
    responses = definition["x-amazon-apigateway-gateway-responses"]
    # THEN every response type API Gateway has is there, answered as problem+json
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN"} <= set(responses)
    for kind, response in responses.items():
        header = response["responseParameters"]["gatewayresponse.header.Content-Type"]
        assert header == "'application/problem+json'", kind
        problem = render_gateway_response(
            response["responseTemplates"]["application/json"], 'say "hi"'
        )
        assert {"type", "title", "detail"} <= set(problem), kind
        assert problem["request_id"] == "req-1"
        if "statusCode" in response:
            assert problem["status"] == int(response["statusCode"]), kind
    # an unknown route (API Gateway's 403 "Missing Authentication Token") is a 404
    unknown = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown["statusCode"] == "404"
    assert render_gateway_response(unknown["responseTemplates"]["application/json"], "x")[
        "detail"
    ] == ("no such resource")
    # the defaults keep the status of what they catch, and tell API Gateway's message
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert "statusCode" not in responses[kind]
        template = responses[kind]["responseTemplates"]["application/json"]
        assert render_gateway_response(template, 'say "hi"')["detail"] == 'say "hi"'
    assert responses["REQUEST_TOO_LARGE"]["statusCode"] == "413"


def test_prod_keeps_its_data_when_the_stack_goes():
    # GIVEN the prod merge template
    resources = merge_template("prod")["Resources"]
    # THEN tables and the bucket are retained, dev's are not
    for name in [*cloudformation_resources("prod"), "RecordingsBucket"]:
        assert resources[name]["DeletionPolicy"] == "Retain"
    assert "DeletionPolicy" not in merge_template("dev")["Resources"]["RecordingsBucket"]


def test_finalize_refuses_a_config_variable_that_infra_owns():
    # GIVEN a packaged function whose config already sets a variable infra sets
    template = {
        "Resources": {
            "Handler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Environment": {"Variables": {"RINGFLOW_SCHEDULE_GROUP": "x"}}},
            }
        }
    }
    # WHEN finalized THEN it says which variable clashes
    with pytest.raises(ValueError, match="RINGFLOW_SCHEDULE_GROUP"):
        finalize(template, STAGE)


FAKE_AWS = textwrap.dedent(
    """\
    #!/usr/bin/env python3
    import json, os, shutil, sys
    from pathlib import Path

    state = Path(os.environ["FAKE_AWS_STATE"])
    args = sys.argv[1:]
    with (state / "calls.jsonl").open("a") as log:
        log.write(json.dumps(args) + "\\n")

    def value(flag):
        return args[args.index(flag) + 1]

    if args[:2] == ["secretsmanager", "describe-secret"]:
        print(json.dumps({"v-old": ["AWSPREVIOUS"], "v-42": ["AWSCURRENT"]}))
    elif args[:2] == ["cloudformation", "package"]:
        shutil.copy(value("--template-file"), value("--output-template-file"))
    elif args[:2] == ["cloudformation", "deploy"]:
        (state / "deployed").write_text("yes")
    elif args[:2] == ["cloudformation", "describe-stacks"]:
        if not (state / "deployed").exists():
            print("Stack with id ringflow-dev does not exist", file=sys.stderr)
            sys.exit(255)
        print("https://abc123.execute-api.eu-west-1.amazonaws.com/api")
    else:
        sys.exit(f"unexpected aws call {args}")
    """
)


@pytest.fixture
def fake_aws(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    aws = bin_dir / "aws"
    aws.write_text(FAKE_AWS)
    aws.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_AWS_STATE": str(tmp_path),
        "ARTIFACT_BUCKET": "artifacts",
        "AWS_REGION": "eu-west-1",
        "BUILD_DIR": str(tmp_path / "build"),
        "PYTHON": sys.executable,
        "OPERATOR_KEY_HASH": "a" * 64,
    }
    env.pop("PUBLIC_BASE_URL", None)
    yield env, tmp_path


def test_deploy_sh_packages_then_deploys_twice_on_the_first_deployment(fake_aws):
    # GIVEN a fake aws command and no stack yet
    env, state = fake_aws
    # WHEN infra/deploy.sh dev runs
    result = subprocess.run(
        ["bash", str(REPO / "infra" / "deploy.sh"), STAGE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    # THEN it packaged, uploaded, deployed, then deployed again with the API's URL
    assert result.returncode == 0, result.stdout + result.stderr
    calls = [json.loads(line) for line in (state / "calls.jsonl").read_text().splitlines()]
    deploys = [call for call in calls if call[:2] == ["cloudformation", "deploy"]]
    assert [call for call in calls if call[:2] == ["cloudformation", "package"]]
    assert len(deploys) == 2
    assert "PublicBaseUrl=" in deploys[0]
    assert "PublicBaseUrl=https://abc123.execute-api.eu-west-1.amazonaws.com/api" in deploys[1]
    assert all("VonageSecretVersion=v-42" in call for call in deploys)
    assert all(f"OperatorKeyHash={'a' * 64}" in call for call in deploys)
    assert all("CAPABILITY_NAMED_IAM" in call for call in deploys)
    assert (state / "build" / STAGE / "sam.json").exists()
