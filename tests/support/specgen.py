"""A deterministic, FastAPI-like OpenAPI 3.1 document of any size (for the large-spec test
and bench/bench_openapi.py), and a realistic hotfix-sized edit of it."""
from __future__ import annotations

import copy
from typing import Any

_WORDS = ('stock', 'transfer', 'store', 'product', 'price', 'customer', 'order', 'invoice',
          'payment', 'refund', 'shipment', 'supplier', 'warehouse', 'category', 'tax',
          'discount', 'voucher', 'employee', 'shift', 'register', 'receipt', 'audit',
          'report', 'alert', 'webhook', 'session', 'role', 'permission', 'tenant', 'device')


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {'anyOf': [schema, {'type': 'null'}]}


def resource_names(count: int) -> list[str]:
    out = []
    for i in range(count):
        word = _WORDS[i % len(_WORDS)]
        out.append(word if i < len(_WORDS) else f'{word}{i // len(_WORDS)}')
    return out


def _model(name: str, i: int) -> dict[str, Any]:
    title = name.capitalize()
    props: dict[str, Any] = {
        'id': {'type': 'string', 'format': 'uuid', 'title': 'Id'},
        'tenant_id': {'type': 'string', 'format': 'uuid', 'title': 'Tenant Id'},
        'code': {'type': 'string', 'maxLength': 32, 'pattern': '^[A-Z0-9-]+$', 'title': 'Code'},
        'name': {'type': 'string', 'maxLength': 120, 'title': 'Name'},
        'description': _nullable({'type': 'string', 'maxLength': 2000}),
        'status': {'$ref': f'#/components/schemas/{title}Status'},
        'quantity': {'type': 'integer', 'minimum': 0, 'title': 'Quantity'},
        'unit_price': {'anyOf': [{'type': 'number'}, {'type': 'string',
                                                      'pattern': r'^-?\d+(\.\d+)?$'}],
                       'title': 'Unit Price'},
        'tags': {'type': 'array', 'items': {'type': 'string', 'maxLength': 40},
                 'maxItems': 20, 'title': 'Tags'},
        'created_at': {'type': 'string', 'format': 'date-time', 'title': 'Created At'},
        'updated_at': _nullable({'type': 'string', 'format': 'date-time'}),
        'owner': _nullable({'$ref': '#/components/schemas/UserRef'}),
        'lines': {'type': 'array', 'items': {'$ref': f'#/components/schemas/{title}Line'}},
    }
    for k in range(i % 5):
        props[f'attr_{k}'] = _nullable({'type': 'string', 'maxLength': 64 + k})
    return {'type': 'object', 'title': title, 'properties': props,
            'required': ['id', 'tenant_id', 'code', 'name', 'status', 'quantity',
                         'unit_price', 'tags', 'created_at', 'lines']}


def _schemas(name: str, i: int) -> dict[str, dict[str, Any]]:
    title = name.capitalize()
    model = _model(name, i)
    create = {'type': 'object', 'title': f'{title}Create', 'required': ['code', 'name'],
              'properties': {k: copy.deepcopy(v) for k, v in model['properties'].items()
                             if k not in ('id', 'tenant_id', 'created_at', 'updated_at')}}
    update = {'type': 'object', 'title': f'{title}Update',
              'properties': {k: _nullable(copy.deepcopy(v)) if '$ref' not in v else v
                             for k, v in create['properties'].items()}}
    return {
        title: model,
        f'{title}Create': create,
        f'{title}Update': update,
        f'{title}Status': {'type': 'string', 'enum': ['draft', 'active', 'archived'],
                           'title': f'{title}Status'},
        f'{title}Line': {'type': 'object', 'title': f'{title}Line',
                         'required': ['sku', 'qty'],
                         'properties': {'sku': {'type': 'string', 'maxLength': 64},
                                        'qty': {'type': 'integer', 'minimum': 1},
                                        'note': _nullable({'type': 'string'})}},
        f'{title}Page': {'type': 'object', 'title': f'{title}Page',
                         'required': ['items', 'total'],
                         'properties': {'items': {'type': 'array', 'items': {
                             '$ref': f'#/components/schemas/{title}'}},
                             'total': {'type': 'integer'},
                             'next_cursor': _nullable({'type': 'string'})}},
    }


def _json(ref: str) -> dict[str, Any]:
    return {'application/json': {'schema': {'$ref': f'#/components/schemas/{ref}'}}}


_ERRORS = {'422': {'description': 'Validation Error', 'content': _json('HTTPValidationError')}}


def _ops(name: str) -> dict[str, Any]:
    title = name.capitalize()
    base = f'/aris3/{name}s'
    item = f'{base}/{{{name}_id}}'
    id_param = {'name': f'{name}_id', 'in': 'path', 'required': True,
                'schema': {'type': 'string', 'format': 'uuid', 'title': f'{title} Id'}}
    list_params = [
        {'name': 'limit', 'in': 'query', 'required': False,
         'schema': {'type': 'integer', 'maximum': 500, 'minimum': 1, 'default': 50}},
        {'name': 'cursor', 'in': 'query', 'required': False,
         'schema': _nullable({'type': 'string'})},
        {'name': 'status', 'in': 'query', 'required': False,
         'schema': _nullable({'$ref': f'#/components/schemas/{title}Status'})},
        {'name': 'sort', 'in': 'query', 'required': False,
         'schema': {'type': 'string', 'enum': ['name', '-name', 'created_at', '-created_at'],
                    'default': 'name'}},
        {'name': 'X-Tenant-Id', 'in': 'header', 'required': True,
         'schema': {'type': 'string', 'format': 'uuid'}},
    ]
    tenant = list_params[-1]
    return {
        base: {
            'get': {'tags': [name], 'summary': f'List {name}s', 'operationId': f'list_{name}s',
                    'parameters': list_params,
                    'responses': {'200': {'description': 'Successful Response',
                                          'content': _json(f'{title}Page')}, **_ERRORS}},
            'post': {'tags': [name], 'summary': f'Create {name}',
                     'operationId': f'create_{name}', 'parameters': [tenant],
                     'requestBody': {'required': True, 'content': _json(f'{title}Create')},
                     'responses': {'201': {'description': 'Successful Response',
                                           'content': _json(title)}, **_ERRORS}},
        },
        item: {
            'get': {'tags': [name], 'summary': f'Get {name}', 'operationId': f'get_{name}',
                    'parameters': [id_param, tenant],
                    'responses': {'200': {'description': 'Successful Response',
                                          'content': _json(title)},
                                  '404': {'description': 'Not found'}, **_ERRORS}},
            'patch': {'tags': [name], 'summary': f'Update {name}',
                      'operationId': f'update_{name}', 'parameters': [id_param, tenant],
                      'requestBody': {'required': True, 'content': _json(f'{title}Update')},
                      'responses': {'200': {'description': 'Successful Response',
                                            'content': _json(title)}, **_ERRORS}},
            'delete': {'tags': [name], 'summary': f'Delete {name}',
                       'operationId': f'delete_{name}', 'parameters': [id_param, tenant],
                       'responses': {'204': {'description': 'Successful Response'},
                                     **_ERRORS}},
        },
    }


def fastapi_like_spec(resources: int = 60) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        'UserRef': {'type': 'object', 'title': 'UserRef', 'required': ['id'],
                    'properties': {'id': {'type': 'string', 'format': 'uuid'},
                                   'display_name': _nullable({'type': 'string'}),
                                   'manager': _nullable({'$ref': '#/components/schemas/UserRef'})}},
        'ValidationError': {'type': 'object', 'title': 'ValidationError',
                            'required': ['loc', 'msg', 'type'],
                            'properties': {'loc': {'type': 'array', 'items': {
                                'anyOf': [{'type': 'string'}, {'type': 'integer'}]}},
                                'msg': {'type': 'string'}, 'type': {'type': 'string'}}},
        'HTTPValidationError': {'type': 'object', 'title': 'HTTPValidationError',
                                'properties': {'detail': {'type': 'array', 'items': {
                                    '$ref': '#/components/schemas/ValidationError'}}}},
    }
    paths: dict[str, Any] = {}
    for i, name in enumerate(resource_names(resources)):
        schemas.update(_schemas(name, i))
        paths.update(_ops(name))
    return {'openapi': '3.1.0', 'info': {'title': 'ARIS3', 'version': '0.1.0'},
            'paths': paths, 'components': {'schemas': schemas},
            'security': [{'bearer': []}],
            }


def realistic_edit(doc: dict[str, Any]) -> dict[str, Any]:
    """What a rushed hotfix does: a shared field made optional, a required idempotency
    header on existing POSTs, a new response enum value, a tighter request limit, and a
    new operation."""
    out = copy.deepcopy(doc)
    schemas = out['components']['schemas']
    stock = schemas['Stock']
    stock['required'].remove('quantity')
    stock['properties']['quantity'] = _nullable({'type': 'integer', 'minimum': 0})
    schemas['TransferStatus']['enum'].append('in_transit')
    schemas['TransferCreate']['properties']['name']['maxLength'] = 60
    header = {'name': 'Idempotency-Key', 'in': 'header', 'required': True,
              'schema': {'type': 'string', 'maxLength': 64}}
    for path in ('/aris3/stocks', '/aris3/transfers'):
        out['paths'][path]['post']['parameters'] = [
            *out['paths'][path]['post']['parameters'], header]
    out['paths']['/aris3/stocks/{stock_id}/adjust'] = {'post': {
        'operationId': 'adjust_stock', 'responses': {'200': {'description': 'ok'}}}}
    return out


def drifted(doc: dict[str, Any], every: int = 1) -> dict[str, Any]:
    """Months of drift: every ``every``-th resource changed in many places (properties
    removed, made optional or required, limits tightened, enum values dropped, parameters
    added, operations removed, response codes changed). Nearly every change is a finding:
    on ~150 resources this gives about 1,500."""
    out = copy.deepcopy(doc)
    schemas = out['components']['schemas']
    paths = out['paths']
    for i, name in enumerate(resource_names(len(paths) // 2)):
        if i % every:
            continue
        title = name.capitalize()
        model = schemas[title]
        props = model['properties']
        props.pop('description', None)                      # response property removed
        model['required'].remove('tags')                    # response property optional
        props['code']['maxLength'] = 16                     # limit tightened
        props['quantity']['minimum'] = 1
        props['name']['type'] = 'integer'                   # type changed
        create = schemas[f'{title}Create']
        create['required'] = [*create['required'], 'quantity', 'unit_price']
        create['properties']['code']['pattern'] = '^[A-Z]+$'
        create['properties']['name']['maxLength'] = 60
        create['properties'].pop('tags', None)
        schemas[f'{title}Status']['enum'].remove('archived')
        schemas[f'{title}Line']['required'].append('note')
        base = f'/aris3/{name}s'
        item = f'{base}/{{{name}_id}}'
        lst = paths[base]['get']
        lst['parameters'] = [
            p if p['name'] != 'limit' else {**p, 'schema': {**p['schema'], 'maximum': 100}}
            for p in lst['parameters']]
        lst['parameters'].append({'name': 'region', 'in': 'query', 'required': True,
                                  'schema': {'type': 'string'}})
        paths[base]['post']['responses'].pop('201', None)
        paths[base]['post']['responses']['200'] = {'description': 'ok',
                                                   'content': _json(title)}
        paths[item].pop('delete', None)
        paths[item]['patch']['parameters'] = [
            *paths[item]['patch']['parameters'],
            {'name': 'If-Match', 'in': 'header', 'required': True,
             'schema': {'type': 'string'}}]
    return out
