"""Where the speech product keeps the Dialogflow service account keys it was given: the
``SecretStore`` port (put a secret's value, creating the secret if need be; read it back) and
``SecretsManagerSecrets``, its adapter on an AWS Secrets Manager client (built by
``wiring.Container.secretsmanager`` on first use; the local stack's moto serves it too).

A key lives only there: never in DynamoDB, never in an answer, never in an error's message.
Imports the platform's errors and the standard library; takes the boto3 client as given
(boto3 itself is imported by the wiring); must not import the store, web or Google.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.errors import NotFoundError, UnavailableError


class SecretStoreError(UnavailableError):
    """The secret could not be written (one scheduled for deletion, a refused request); its
    message names the secret, so a client is told only its kind."""

    internal = True


class SecretStore(Protocol):
    """Named secrets holding text."""

    def put(self, name: str, value: str) -> None:
        """Make ``value`` the secret ``name``'s current value (creating the secret if there is
        none)."""
        ...

    def get(self, name: str) -> str:
        """The secret ``name``'s current value; ``NotFoundError`` if there is none."""
        ...


class SecretsManagerSecrets:
    """``SecretStore`` on AWS Secrets Manager; ``client`` gives the boto3 client, built on the
    first request (reading agents needs none)."""

    def __init__(self, client: Callable[[], Any]) -> None:
        self._built = client

    @property
    def _client(self) -> Any:
        return self._built()

    def put(self, name: str, value: str) -> None:
        """1 PutSecretValue; 1 CreateSecret more for a new secret."""
        missing = self._client.exceptions.ResourceNotFoundException
        try:
            self._client.put_secret_value(SecretId=name, SecretString=value)
            return
        except missing:
            pass
        try:
            self._client.create_secret(Name=name, SecretString=value)
        except self._client.exceptions.ResourceExistsException:
            # created meanwhile by another upload: this value is the newer one
            self._client.put_secret_value(SecretId=name, SecretString=value)
        except self._client.exceptions.InvalidRequestException as error:
            raise SecretStoreError(f"the secret {name} cannot be written: {error}") from None

    def get(self, name: str) -> str:
        """1 GetSecretValue."""
        try:
            answer = self._client.get_secret_value(SecretId=name)
        except self._client.exceptions.ResourceNotFoundException:
            raise NotFoundError(f"no secret {name}") from None
        value = answer.get("SecretString")
        if not isinstance(value, str):
            raise NotFoundError(f"the secret {name} holds no text")
        return value
