"""HTTP surface: blueprints for the REST API, the Vonage voice and SMS webhooks, problem+json."""
