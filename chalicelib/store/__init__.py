"""DynamoDB storage: pynamodb models and repositories. The only package that imports pynamodb;
its items and exceptions never leave it, repositories take and return domain objects.

``errors`` (what callers catch; standard library only), ``attributes`` (exact decimals, enums,
UTC datetimes, maps), ``registry`` (``StoreItem``, the base of every table model, registers
each table by its logical name), ``base`` (what every repository shares: error translation,
get, update, save-if-absent, transactions' lost races), ``binding`` (``bind(settings)`` once at
start), ``tables`` (``table_models()``; creation, deletion and CloudFormation, all derived from
the models). One module per aggregate holds its table's model, its mapping to domain objects
and its repository: ``accounts``, ``numbers``, ``flows``, ``calls``, ``records`` (call
records), ``variables`` (``$user.key.*``), ``markers`` (claims, token bindings, SMS parts);
``core`` lists their tables in order and ``repositories`` re-exports their repositories for the
composition root. A product adds ``store/<product>.py`` the same way and edits none of these.
This ``__init__`` imports nothing, so importing ``chalicelib.store.errors`` does not load
pynamodb.
"""
