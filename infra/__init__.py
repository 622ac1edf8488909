"""Deployment and the local stack: the CloudFormation resources merged into ``chalice package``,
the packaging entry point, and (in ``infra.local``) moto and the event pump that stand in for AWS
on loopback. Nothing here ships to Lambda; ``chalicelib`` never imports it."""
