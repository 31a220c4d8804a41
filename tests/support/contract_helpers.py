"""Small OpenAPI documents for the contract tests."""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi import diff_specs
from hotfix_hooks.openapi import parse


def base_spec() -> dict[str, Any]:
    """One resource with a request body, a response body, parameters and security."""
    return {
        'openapi': '3.1.0',
        'info': {'title': 'shop', 'version': '1.0.0'},
        'paths': {
            '/items/{item_id}': {
                'get': {
                    'operationId': 'get_item',
                    'parameters': [
                        {'name': 'item_id', 'in': 'path', 'required': True,
                         'schema': {'type': 'integer'}},
                        {'name': 'view', 'in': 'query', 'required': False,
                         'schema': {'type': 'string', 'enum': ['short', 'full'],
                                    'default': 'short'}},
                    ],
                    'responses': {
                        '200': {'description': 'ok', 'content': {'application/json': {
                            'schema': {'$ref': '#/components/schemas/Item'}}},
                            'headers': {'X-Rate-Limit': {'required': True,
                                                         'schema': {'type': 'integer'}}}},
                        '404': {'description': 'missing'},
                    },
                    'security': [{'token': []}],
                },
                'put': {
                    'operationId': 'put_item',
                    'parameters': [{'name': 'item_id', 'in': 'path', 'required': True,
                                    'schema': {'type': 'integer'}}],
                    'requestBody': {'required': True, 'content': {'application/json': {
                        'schema': {'$ref': '#/components/schemas/ItemIn'}}}},
                    'responses': {'200': {'description': 'ok', 'content': {
                        'application/json': {'schema': {'$ref': '#/components/schemas/Item'}}}}},
                },
            },
            '/items': {
                'get': {
                    'operationId': 'list_items',
                    'responses': {'200': {'description': 'ok', 'content': {'application/json': {
                        'schema': {'type': 'array',
                                   'items': {'$ref': '#/components/schemas/Item'}}}}}},
                },
            },
        },
        'components': {
            'schemas': {
                'Item': {
                    'type': 'object', 'required': ['id', 'name', 'status'],
                    'properties': {
                        'id': {'type': 'integer'},
                        'name': {'type': 'string', 'maxLength': 50},
                        'status': {'type': 'string', 'enum': ['open', 'closed']},
                        'note': {'type': 'string'},
                    },
                },
                'ItemIn': {
                    'type': 'object', 'required': ['name'],
                    'properties': {
                        'name': {'type': 'string', 'maxLength': 50},
                        'status': {'type': 'string', 'enum': ['open', 'closed']},
                        'note': {'type': 'string'},
                        'payment': {'oneOf': [
                            {'$ref': '#/components/schemas/Card'},
                            {'$ref': '#/components/schemas/Cash'}]},
                    },
                },
                'Card': {'type': 'object', 'properties': {'number': {'type': 'string'}}},
                'Cash': {'type': 'object', 'properties': {'amount': {'type': 'number'}}},
            },
            'securitySchemes': {'token': {'type': 'http', 'scheme': 'bearer'},
                                'oauth': {'type': 'oauth2', 'flows': {}}},
        },
    }


def edit(doc: dict[str, Any], fn: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    fn(out)
    return out


def diff(base: dict[str, Any], head: dict[str, Any], **kw: Any) -> list[Finding]:
    b = parse(json.dumps(base, indent=2), 'openapi.json')
    h = parse(json.dumps(head, indent=2), 'openapi.json')
    return diff_specs(b, h, **kw)


def rules(findings: list[Finding]) -> dict[str, str]:
    """rule -> severity (the worst when a rule fires more than once)."""
    rank = {'error': 0, 'warning': 1, 'info': 2}
    out: dict[str, str] = {}
    for f in findings:
        if f.rule not in out or rank[f.severity] < rank[out[f.rule]]:
            out[f.rule] = f.severity
    return out


def item(doc: dict[str, Any]) -> dict[str, Any]:
    return doc['components']['schemas']['Item']


def item_in(doc: dict[str, Any]) -> dict[str, Any]:
    return doc['components']['schemas']['ItemIn']


def get_op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc['paths']['/items/{item_id}']['get']
