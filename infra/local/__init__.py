"""The local stack: moto in server mode on loopback (``infra.local.moto``), the resources the
deployment creates, provisioned into moto (``infra.local.provision``), and the event pump that
stands in for Lambda's event sources (``infra.local.pump``). Used by ``make run`` and by tests;
never shipped to Lambda."""
