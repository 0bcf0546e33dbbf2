#!/usr/bin/env python3
"""Validate artifacts against docs/schema/artifact.schema.json with Python's
`jsonschema` (PyPI; the reference implementation of JSON Schema, independent
of auditsum's Rust code).

usage: schema_check.py SCHEMA ARTIFACT...
Prints one line per artifact: `valid PATH`, or `invalid PATH` followed by one
indented line per error. Exit 0 when every file was checked (whatever the
verdicts), 2 when `jsonschema` is missing, 3 when the schema itself is invalid."""
import json
import sys

try:
    import jsonschema
    from jsonschema.validators import validator_for
except ImportError:
    print("schema_check: the Python package `jsonschema` is missing "
          "(python3 -m pip install -r tests/support/requirements.txt)")
    sys.exit(2)

schema = json.load(open(sys.argv[1]))
cls = validator_for(schema)
try:
    cls.check_schema(schema)
except jsonschema.exceptions.SchemaError as e:
    print(f"schema_check: the schema itself is invalid: {e.message}")
    sys.exit(3)
validator = cls(schema)
for name in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(name))), key=lambda e: list(e.absolute_path))
    if not errors:
        print(f"valid {name}")
        continue
    print(f"invalid {name}")
    for e in errors:
        where = "/" + "/".join(str(p) for p in e.absolute_path)
        print(f"  {e.message} at {where}")
