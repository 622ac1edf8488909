"""DynamoDB storage: pynamodb models and repositories. The only package that imports pynamodb;
its items never leave it, repositories return domain objects."""
