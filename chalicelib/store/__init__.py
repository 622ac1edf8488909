"""DynamoDB storage: pynamodb models and repositories. The only package that imports pynamodb;
its items and exceptions never leave it, repositories take and return domain objects.

``errors`` (what callers catch; standard library only), ``attributes`` (exact decimals, enums,
UTC datetimes, maps), ``models`` (one ``*Item`` per table), ``mapping`` (items <-> domain
objects), ``binding`` (``bind(settings)`` once at start), ``tables`` (creation, deletion and
CloudFormation, all derived from the models) and ``repositories``. This ``__init__`` imports
nothing, so importing ``chalicelib.store.errors`` does not load pynamodb.
"""
