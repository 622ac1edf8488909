"""The CloudFormation of receiving e-mail (``mail``): SES's receipt rule set and rule, the mail
bucket (private, TLS only, SES writing under ``inbound/`` only), the mail topic and the mail queue
with its dead-letter queue and alarm. Part of :func:`infra.resources.merge_template`, split from
it as the one resource group with its own service's rules; built on that module's helpers
(``Stage``, ARNs, substitutions, buckets, alarms). Imports the standard library,
``infra.resources`` and ``chalicelib.mail`` names only.
"""

from __future__ import annotations

from typing import Any

from chalicelib.mail.bucket import OBJECT_PREFIX
from infra.resources import (
    DLQ_MAX_RECEIVES,
    Stage,
    _alarm,
    _arn,
    _private_bucket,
    _sub,
)


def _tls_only(logical_id: str) -> dict[str, Any]:
    return {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [_arn(logical_id), _sub(f"${{{logical_id}.Arn}}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def mail(stage: Stage) -> dict[str, Any]:
    """Receiving e-mail as SES does it: a receipt rule set whose rule (for the ``MailRecipients``
    parameter's addresses or domains, when given) scans each message, stores it in the mail
    bucket and notifies the mail topic; the mail queue, subscribed to the topic, feeds the app's
    mail handler. SES may write only under ``inbound/`` and publish only for this rule. The rule
    set must be made the active one once (``aws ses set-active-receipt-rule-set``): CloudFormation
    cannot, and an account has one active set per region."""
    rule = f"{stage.mail_rule_set}-store"
    rule_arn = _sub(
        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:receipt-rule-set/"
        f"{stage.mail_rule_set}:receipt-rule/{rule}"
    )
    from_ses = {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {"aws:SourceArn": rule_arn},
    }
    return {
        "MailBucket": _private_bucket(
            stage, stage.mail_bucket, "expire-mail", 90 if stage.production else 14
        ),
        "MailBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "MailBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        _tls_only("MailBucket"),
                        {
                            "Sid": "SesStoresReceivedMail",
                            "Effect": "Allow",
                            "Principal": {"Service": "ses.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": _sub(f"${{MailBucket.Arn}}/{OBJECT_PREFIX}*"),
                            "Condition": from_ses,
                        },
                    ],
                },
            },
        },
        "MailTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": f"ringflow-{stage.name}-mail"},
        },
        "MailTopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "MailTopic"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "SesNotifiesReceivedMail",
                            "Effect": "Allow",
                            "Principal": {"Service": "ses.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": "MailTopic"},
                            "Condition": from_ses,
                        }
                    ],
                },
            },
        },
        "MailDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"{stage.mail_queue}-dlq",
                "MessageRetentionPeriod": 14 * 24 * 3600,
                "SqsManagedSseEnabled": True,
            },
        },
        "MailQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": stage.mail_queue,
                "VisibilityTimeout": 6 * stage.lambda_timeout,
                "MessageRetentionPeriod": 4 * 24 * 3600,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": _arn("MailDeadLetterQueue"),
                    "maxReceiveCount": DLQ_MAX_RECEIVES,
                },
            },
        },
        "MailQueuePolicy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": "MailQueue"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "MailTopicFeedsTheQueue",
                            "Effect": "Allow",
                            "Principal": {"Service": "sns.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": _arn("MailQueue"),
                            "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "MailTopic"}}},
                        }
                    ],
                },
            },
        },
        "MailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "DependsOn": "MailQueuePolicy",
            "Properties": {
                "TopicArn": {"Ref": "MailTopic"},
                "Protocol": "sqs",
                "Endpoint": _arn("MailQueue"),
            },
        },
        "MailReceiptRuleSet": {
            "Type": "AWS::SES::ReceiptRuleSet",
            "Condition": "HasMailRecipients",
            "Properties": {"RuleSetName": stage.mail_rule_set},
        },
        "MailReceiptRule": {
            "Type": "AWS::SES::ReceiptRule",
            "Condition": "HasMailRecipients",
            "DependsOn": ["MailBucketPolicy", "MailTopicPolicy", "MailSubscription"],
            "Properties": {
                "RuleSetName": {"Ref": "MailReceiptRuleSet"},
                "Rule": {
                    "Name": rule,
                    "Enabled": True,
                    "ScanEnabled": True,
                    "TlsPolicy": "Optional",
                    "Recipients": {"Fn::Split": [",", {"Ref": "MailRecipients"}]},
                    "Actions": [
                        {
                            "S3Action": {
                                "BucketName": {"Ref": "MailBucket"},
                                "ObjectKeyPrefix": OBJECT_PREFIX,
                                "TopicArn": {"Ref": "MailTopic"},
                            }
                        }
                    ],
                },
            },
        },
        "MailDeadLetterAlarm": _alarm(
            "Received mail failed repeatedly and waits in the dead-letter queue",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": ["MailDeadLetterQueue", "QueueName"]}},
            statistic="Maximum",
        ),
    }
