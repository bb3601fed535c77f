"""Validate a pipeline definition against AWS's published JSON schema.

The published schema (schemas/sagemaker-pipeline-definition.schema.json, kept verbatim)
predates parts of the pipeline definition format that SageMaker accepts today and that the
SDK emits. ``CURRENT_FORMAT`` adds exactly those parts, each named, and nothing else:
everything the schema does describe is still checked as published.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

_VALUE_ANY = {"$ref": "#/definitions/AnyArgumentValue"}

# Parts of today's definition format missing from the published schema.
CURRENT_FORMAT: dict[str, Any] = {
    # Std:Join as the service documents it ({"On": sep, "Values": [...]}); the published
    # JoinFunction nests its keywords wrongly and accepts no object at all.
    "JoinFunction": {
        "type": "object",
        "properties": {
            "Std:Join": {
                "type": "object",
                "properties": {"On": {"type": "string"}, "Values": {"type": "array"}},
                "required": ["On", "Values"],
                "additionalProperties": False,
            }
        },
        "required": ["Std:Join"],
        "additionalProperties": False,
    },
    # Std:JsonGet reads a value from a step's PropertyFile (the quality gate needs it).
    "JsonGetFunction": {
        "type": "object",
        "properties": {
            "Std:JsonGet": {
                "type": "object",
                "properties": {
                    "PropertyFile": {"$ref": "#/definitions/GetFunction"},
                    "Path": {"type": "string"},
                },
                "required": ["PropertyFile", "Path"],
                "additionalProperties": False,
            }
        },
        "required": ["Std:JsonGet"],
        "additionalProperties": False,
    },
    "AnyArgumentValue": {
        "oneOf": [
            {"type": ["string", "number", "boolean"]},
            {"$ref": "#/definitions/GetFunction"},
            {"$ref": "#/definitions/JoinFunction"},
            {"$ref": "#/definitions/JsonGetFunction"},
        ]
    },
}


def extended_schema(published: dict[str, Any]) -> dict[str, Any]:
    """The published schema plus ``CURRENT_FORMAT`` (functions allowed where values are)."""
    schema = copy.deepcopy(published)
    definitions = schema["definitions"]
    definitions.update(copy.deepcopy(CURRENT_FORMAT))
    for kind in ("String", "Integer", "Float", "Boolean"):
        definitions[f"{kind}ArgumentValue"]["oneOf"].extend(
            [{"$ref": "#/definitions/JoinFunction"}, {"$ref": "#/definitions/JsonGetFunction"}]
        )
    for condition in ("BinaryCondition",):
        for side in ("LeftValue", "RightValue"):
            definitions[condition]["properties"][side] = _VALUE_ANY
    # Training channels: S3DataDistributionType is part of the CreateTrainingJob API.
    training = definitions["TrainingStep"]["properties"]["Arguments"]["properties"]
    s3_source = training["InputDataConfig"]["items"]["properties"]["DataSource"]["properties"][
        "S3DataSource"
    ]
    s3_source["properties"]["S3DataDistributionType"] = {
        "$ref": "#/definitions/StringArgumentValue"
    }
    training["Environment"] = {"type": "object"}
    # A processing step publishes its PropertyFiles (read by Std:JsonGet).
    definitions["ProcessingStep"]["properties"]["PropertyFiles"] = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "PropertyFileName": {"type": "string"},
                "OutputName": {"type": "string"},
                "FilePath": {"type": "string"},
            },
            "required": ["PropertyFileName", "OutputName", "FilePath"],
            "additionalProperties": False,
        },
    }
    # Registered containers carry their environment (SAGEMAKER_PROGRAM for the handlers).
    register = definitions["RegisterModelStep"]["properties"]["Arguments"]["properties"]
    containers = register["InferenceSpecification"]["properties"]["Containers"]["items"]
    containers["properties"]["Environment"] = {"type": "object"}
    # CreateModelPackage fields: the approval status the gate registers with, and validation.
    register["ModelApprovalStatus"] = {"$ref": "#/definitions/StringArgumentValue"}
    register["SkipModelValidation"] = {"$ref": "#/definitions/StringArgumentValue"}
    return schema


def problems(definition: dict[str, Any], schema_path: Path) -> list[str]:
    """Every place the definition breaks the (extended) schema, one line each."""
    import jsonschema

    published = json.loads(Path(schema_path).read_text())
    validator = jsonschema.Draft7Validator(extended_schema(published))
    found = []
    for error in sorted(validator.iter_errors(definition), key=lambda item: list(item.path)):
        where = "/".join(str(part) for part in error.absolute_path) or "<root>"
        found.append(f"{where}: {error.message[:300]}")
    return found
