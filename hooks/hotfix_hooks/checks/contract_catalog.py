"""The rules of the API contract guard (``openapi/``, ``checks/contract.py``,
``openapi-diff``). Pure data; ``hotfix_hooks.catalog`` collects it.

It lives beside the check rather than in ``openapi/`` because importing that package loads
the whole comparison engine, and the catalogue is read on light paths (the policy's rule
ids, ``explain``).

Two kinds of entries: the rules declared one by one (``_FIXED``), and the schema rules the
comparison composes as ``<location>-<change>`` (``openapi/schema.py``: ``ch(slug, ...)``
with a location such as ``request-body``), generated below from the locations and changes
it uses, with the severity it gives each side.
"""
from __future__ import annotations

from hotfix_hooks.rule import hotfix_only
from hotfix_hooks.rule import Rule
from hotfix_hooks.rule import table

_C = 'contract'

_FIXED = (
    # -- operations and paths ------------------------------------------------------------
    Rule('api-path-removed', _C, 'error',
         summary='A path (every operation under it) is removed from the API contract.',
         why='Running clients still call it; after the deploy they get 404s.',
         fix='Keep the path: deprecate it (deprecated: true, an x-sunset date) and remove it '
             'in a versioned release once the sunset has passed.',
         bad='/aris3/stock deleted from openapi.yaml',
         good='/aris3/stock kept, its operations marked deprecated: true with x-sunset',
         severity_note='warning when every operation was deprecated and its x-sunset passed'),
    Rule('api-operation-removed', _C, 'error',
         summary='An operation (method + path) is removed from the API contract.',
         why='Clients calling it break at once (404/405).',
         fix='Keep the operation; deprecate it (deprecated: true, x-sunset) before removing it '
             'in a normal release.',
         bad='DELETE /items/{id} removed, GET /items/{id} kept',
         good='DELETE /items/{id} kept with deprecated: true and x-sunset: 2027-01-01',
         severity_note='warning when it was deprecated and its x-sunset passed'),
    Rule('api-operation-removed-before-sunset', _C, 'error',
         summary='A deprecated operation is removed before its x-sunset date.',
         why='Clients were promised the operation until the sunset date and still use it.',
         fix='Keep the operation until its x-sunset date.',
         bad='an operation with x-sunset: 2027-01-01 removed in 2026',
         good='the operation removed in a release after 2027-01-01'),
    Rule('api-base-path-changed', _C, 'error',
         summary='The base path the API is served under changed.',
         why='Every client builds its URLs from the base path; all of their calls miss.',
         fix='Keep serving the API under the old base path (add the new one next to it).',
         bad='swagger 2.0 basePath: /v1 -> /v2; servers url /aris3 -> /api',
         good='servers lists both /aris3 and /api'),
    Rule('api-operation-added', _C, 'info',
         summary='A new operation appears in the contract.',
         why='Additive and compatible for clients; on a hotfix branch it is reported as '
             'api-operation-added-in-hotfix instead (new feature scope).',
         fix='Nothing to fix off hotfix branches.',
         bad='(informational) POST /stock/{id}/adjust added',
         good='(informational) the same operation added in a feature release'),
    Rule('api-operation-added-in-hotfix', 'scope', 'warning',
         summary='A hotfix adds a new API operation (or route).',
         why='A new operation is a new feature, not incident mitigation; the protocol forbids '
             'new feature scope in a hotfix.',
         fix='Ship new operations in a normal release.',
         bad='POST /stock/{id}/adjust added on hotfix/ARIS-77-...',
         good='the fix changes the handler of the existing POST /stock/{id}/actions',
         severity_note='contract.hotfix_new_operation in the policy (default warning)'),
    Rule('api-operation-deprecated', _C, 'info',
         summary='An operation is marked deprecated.',
         why='Context: clients should be told before it goes away.',
         fix='Nothing to fix; announce the deprecation and its sunset date.',
         bad='(informational) deprecated: true added to GET /items',
         good='(informational) deprecated: true with x-sunset: 2027-01-01'),
    Rule('api-operation-id-changed', _C, 'info',
         summary='An operationId is renamed.',
         why='The HTTP contract is unchanged, but generated client method names change.',
         fix='Nothing to fix for HTTP clients; keep the old id if SDKs are generated from it.',
         bad='(informational) operationId get_item -> read_item',
         good='(informational) operationId get_item kept'),
    Rule('api-route-removed', _C, 'error',
         summary='A route disappears from the route code (the contract built from the code).',
         why='The API loses an operation even when no spec file changed; clients calling it '
             'get 404s.',
         fix='Keep the route; deprecate it first and remove it in a versioned release.',
         bad='@router.delete("/{id}") and its handler deleted',
         good='the handler kept, marked deprecated=True'),
    Rule('api-route-added', _C, 'info',
         summary='A new route appears in the route code.',
         why='Additive; on a hotfix branch it is api-operation-added-in-hotfix (new feature '
             'scope).',
         fix='Nothing to fix off hotfix branches.',
         bad='(informational) @router.post("/{id}/notes") added',
         good='(informational) the same route added in a feature release'),
    Rule('api-route-changed', _C, 'error',
         summary='A handler moved to another method or path (route code).',
         why='Clients calling the old route break; the move is invisible when no spec is '
             'committed.',
         fix='Keep the old route next to the new one (or ship the move in a versioned '
             'release).',
         bad='list_items() moved from GET /items to GET /items/all; include_router prefix '
             'changed',
         good='both @router.get("/items") and @router.get("/items/all") on list_items()'),
    Rule('api-code-unresolved', _C, 'info',
         summary='Part of the route code cannot be read statically, so it is not compared.',
         why='Says what the contract guard could not see instead of passing silently.',
         fix='Use constants, literal dicts and importable Pydantic models, or review that part '
             'by hand.',
         bad='@router.get(settings.PATH, response_model=make_model())',
         good='@router.get("/items", response_model=ItemOut)'),
    Rule('api-code-coverage', _C, 'info',
         summary='How much of the API the route code could be read for: operations with a '
                 'resolved response schema, out of all, and which are not; and the error '
                 'responses (responses=) whose body could be read (once per scan).',
         why='A guard that cannot read part of the API must say so rather than pass '
             'silently; an unresolved operation\'s response changes are not compared.',
         fix='Set contract.python_roots when the project\'s imports are not found; declare '
             'response models (response_model= or a return annotation) on the unresolved '
             'routes.',
         bad='resolved response schemas for 1/23 operations; unresolved: GET /items, ... '
             '(backend/ imports not found)',
         good='resolved response schemas for 23/23 operations'),
    Rule('api-route-contract-unresolved', _C, 'warning',
         summary='A route whose decorator, parameters, return annotation or returned shape '
                 'changed has a response the tool cannot read.',
         why='The change may break clients and nothing could compare it; a reviewer must '
             'look at it by hand.',
         fix='Declare response_model= (or a return annotation) with a project model, or '
             'review the route by hand.',
         bad='GET /recipes/{id} now returns make_payload(recipe) with no response model',
         good='@router.get("/recipes/{id}", response_model=RecipeOut)'),
    Rule('api-code-unparseable', _C, 'warning',
         summary='A Python module with routes or models does not parse; its routes are '
                 'unknown on both sides, never reported as removed.',
         why='The contract of those routes could not be compared; a reviewer must look at '
             'them, or the hooks must run on the project\'s Python.',
         fix='Fix the syntax error, or set language_version for the hooks in '
             '.pre-commit-config.yaml when the project targets a newer Python.',
         bad='app/routes/items.py with an f-string nesting the same quotes (PEP 701) on '
             'Python 3.11',
         good='the hooks run with language_version: python3.12',
         severity_note='info when the project\'s requires-python is newer than the running '
                       'Python'),
    Rule('api-code-unreadable', _C, 'warning',
         summary='A changed Python module, or one a changed module imports, is read '
                 'through a symbolic link (the module itself or a folder on its way) that '
                 'cannot be followed inside the repository; its routes and models are '
                 'unknown on both sides, never reported as removed.',
         why='A module read through a link is what it points at (as Python imports it: a '
             'file, or a folder the module lies below); a link that is absolute, leaves '
             'the repository, points into .git, at nothing or at a folder holding it (a '
             'loop) hides that code, so the contract says what it did not compare. The '
             'same severity whether the branch made the link or it is as old as the base.',
         fix='Make the module a regular file, or a relative symbolic link to a file or '
             'folder of the repository.',
         bad='app/models/common.py -> /srv/shared/common.py; app/models -> /srv/models',
         good='app/models/common.py -> narrow.py; app/models -> ../lib/models'),
    Rule('python-version-unsupported', _C, 'info',
         summary='The project requires a newer Python than the one running the hooks.',
         why='Code of a newer grammar may not parse here; what does not parse is reported '
             'as unknown, not compared.',
         fix='Set language_version: python3.X for the hooks in .pre-commit-config.yaml '
             '(or run the CLI with that Python).',
         bad='server/pyproject.toml requires-python = ">=3.14", hooks on Python 3.11',
         good='language_version: python3.14 on the hotfix-hooks hooks'),
    Rule('frozen-endpoint-changed', _C, 'error',
         summary='An endpoint the policy (or x-frozen) freezes changed, even additively.',
         why='The protocol forbids contract changes to frozen endpoints outright: other teams '
             'and devices depend on them exactly as they are.',
         fix='Revert the change to that endpoint.',
         bad='GET /aris3/stock (frozen) gains a response field',
         good='GET /aris3/stock unchanged; the fix is in code behind it'),
    # -- request -------------------------------------------------------------------------
    Rule('request-parameter-removed', _C, 'error',
         summary='A request parameter is removed.',
         why='Clients still send it; strict servers now reject the request, lenient ones '
             'silently ignore what the client asked for.',
         fix='Keep accepting the parameter (ignore it if unused).',
         bad='query parameter view removed from GET /items',
         good='view still accepted (and ignored)',
         severity_note='warning when the parameter was deprecated'),
    Rule('request-parameter-deprecated', _C, 'info',
         summary='A request parameter is marked deprecated.',
         why='Context: clients should stop sending it before it is removed.',
         fix='Nothing to fix; announce the removal.',
         bad='(informational) deprecated: true on query parameter view',
         good='(informational) the same, with a sunset date announced'),
    Rule('new-required-request-parameter', _C, 'error',
         summary='A new required request parameter is added.',
         why='Existing clients do not send it, so every one of their requests is rejected.',
         fix='Make the new parameter optional with a default.',
         bad='required header Idempotency-Key added to POST /orders',
         good='Idempotency-Key added as optional; a default is used when it is missing'),
    Rule('new-optional-request-parameter', _C, 'info',
         summary='A new optional request parameter is added.',
         why='Compatible: clients that do not send it keep working.',
         fix='Nothing to fix.',
         bad='(informational) optional query parameter sort added',
         good='(informational) the same'),
    Rule('request-parameter-became-required', _C, 'error',
         summary='An optional request parameter became required.',
         why='Clients that omit it are now rejected.',
         fix='Keep the parameter optional (give it a default).',
         bad='view now required: true',
         good='view optional with default: short'),
    Rule('request-parameter-became-optional', _C, 'info',
         summary='A required request parameter became optional.',
         why='Compatible: the server accepts more requests than before.',
         fix='Nothing to fix.',
         bad='(informational) view required: true -> false',
         good='(informational) the same'),
    Rule('request-parameter-default-value-changed', _C, 'error',
         summary='The default value of a request parameter changed.',
         why='Clients that omit the parameter rely on the old default; they silently get '
             'another behaviour.',
         fix='Keep the old default.',
         bad='default: short -> default: full',
         good='default: short kept; clients that want full send view=full'),
    Rule('request-path-parameter-renamed', _C, 'info',
         summary='A path parameter is renamed ({id} -> {item_id}).',
         why='The URL clients call is unchanged; only the name in the spec differs.',
         fix='Nothing to fix.',
         bad='(informational) /items/{id} -> /items/{item_id}',
         good='(informational) the same'),
    Rule('new-required-request-body', _C, 'error',
         summary='An operation without a request body now requires one.',
         why='Existing clients send no body and are rejected.',
         fix='Make the request body optional.',
         bad='POST /sync gains a required request body',
         good='POST /sync accepts an optional body'),
    Rule('new-optional-request-body', _C, 'info',
         summary='An operation gains an optional request body.',
         why='Compatible: clients that send no body keep working.',
         fix='Nothing to fix.',
         bad='(informational) POST /sync accepts an optional body',
         good='(informational) the same'),
    Rule('request-body-became-required', _C, 'error',
         summary='The request body became required.',
         why='Clients that send no body are rejected.',
         fix='Keep the request body optional.',
         bad='requestBody.required: false -> true',
         good='requestBody.required stays false'),
    Rule('request-body-removed', _C, 'error',
         summary='The request body is removed from an operation.',
         why='Clients still send it; what they send is now rejected or ignored.',
         fix='Keep accepting the request body.',
         bad='requestBody removed from PATCH /items/{id}',
         good='requestBody kept'),
    Rule('request-media-type-removed', _C, 'error',
         summary='A request media type is no longer accepted.',
         why='Clients sending that content type get 415 Unsupported Media Type.',
         fix='Keep accepting the media type.',
         bad='application/xml dropped from the request body',
         good='application/json and application/xml both accepted'),
    Rule('request-media-type-added', _C, 'info',
         summary='A request media type is added.',
         why='Compatible: the server accepts more than before.',
         fix='Nothing to fix.',
         bad='(informational) application/x-www-form-urlencoded accepted too',
         good='(informational) the same'),
    Rule('new-required-request-property', _C, 'error',
         summary='A new required property is added to a request body.',
         why='Existing clients do not send it and their requests are rejected.',
         fix='Make the new property optional (give it a default).',
         bad='sku added to ItemIn.required',
         good='sku: str | None = None'),
    Rule('new-optional-request-property', _C, 'info',
         summary='A new optional property is added to a request body.',
         why='Compatible: clients that do not send it keep working.',
         fix='Nothing to fix.',
         bad='(informational) note: str | None = None added to ItemIn',
         good='(informational) the same'),
    Rule('request-property-became-required', _C, 'error',
         summary='An optional request body property became required.',
         why='Clients that omit it are now rejected.',
         fix='Keep the property optional (give it a default).',
         bad='status added to ItemIn.required',
         good='status: Status = Status.open'),
    Rule('request-property-became-optional', _C, 'info',
         summary='A required request body property became optional.',
         why='Compatible: the server accepts more requests than before.',
         fix='Nothing to fix.',
         bad='(informational) status removed from ItemIn.required',
         good='(informational) the same'),
    Rule('request-property-removed', _C, 'warning',
         summary='A property is removed from a request body.',
         why='Clients still send it; a strict model rejects the request, a lenient one drops '
             'data the client meant to store.',
         fix='Keep accepting the property.',
         bad='ItemIn.note removed',
         good='ItemIn.note kept (ignored if no longer used)',
         severity_note='error when the body forbids unknown properties '
                       '(additionalProperties: false, Pydantic extra="forbid"): clients '
                       'still sending it are rejected; a property removed from a model that '
                       'responses return as well (a read model sent back nested in a body) is '
                       'reported once, as response-property-removed naming the request side'),
    Rule('request-property-deprecated', _C, 'info',
         summary='A request body property is marked deprecated.',
         why='Context: clients should stop sending it before it is removed.',
         fix='Nothing to fix; announce the removal.',
         bad='(informational) deprecated: true on ItemIn.note',
         good='(informational) the same'),
    Rule('request-pattern-added', _C, 'error',
         summary='A pattern is added to an existing request field.',
         why='Values clients send today may not match it and are rejected.',
         fix='Do not add a pattern to an existing request field in a hotfix.',
         bad='pattern: ^[a-z]+$ added to ItemIn.note',
         good='no new pattern; invalid values are handled in code with a clear error'),
    Rule('request-pattern-changed', _C, 'warning',
         summary='The pattern of a request field changed.',
         why='A reviewer must check that the new pattern accepts every value the old one did.',
         fix='Make sure the new pattern accepts every value the old one did.',
         bad='pattern ^[A-Z]{3}$ -> ^[A-Z]{3}-[0-9]+$',
         good='pattern ^[A-Z]{3}$ -> ^[A-Z]{3}(-[0-9]+)?$ (a superset)',
         severity_note='a rewrite that reads the same once parsed (`{1,}` for `+`, a group '
                       'made capturing, a character class reordered) accepts the same '
                       'strings and is not reported; other rewrites are, even when they '
                       'happen to accept the same strings (that is not decided)'),
    Rule('request-pattern-removed', _C, 'info',
         summary='The pattern of a request field is removed.',
         why='Compatible: the server accepts more values than before.',
         fix='Nothing to fix.',
         bad='(informational) pattern removed from ItemIn.code',
         good='(informational) the same'),
    Rule('request-additional-properties-closed', _C, 'warning',
         summary='A request schema now rejects unknown properties.',
         why='Clients that send extra fields (newer or older client versions) are rejected.',
         fix='Keep accepting unknown properties.',
         bad='additionalProperties: false added (pydantic extra="forbid")',
         good='additionalProperties left open (extra="ignore")'),
    # -- response ------------------------------------------------------------------------
    Rule('response-property-removed', _C, 'error',
         summary='A property is removed from a response body.',
         why='Clients that read it break (missing key, null dereference).',
         fix='Keep returning the property (deprecate it first).',
         bad='Item.created removed from the response model (from route code every field '
             'Pydantic serializes counts as always present)',
         good='Item.created kept, marked deprecated',
         severity_note='warning when the property was optional; when request bodies send '
                       'the same model back, the finding names that side too (one root '
                       'cause, one finding)'),
    Rule('response-property-became-optional', _C, 'error',
         summary='A required response property became optional.',
         why='Clients rely on it being present; they break when it is missing.',
         fix='Keep the property required (in a spec: in required; in route code: no '
             'response_model_exclude_unset/defaults/none on that route).',
         bad='spec: status leaves required; code: response_model_exclude_unset=True added '
             'while status has a default',
         good='status stays in required (a field with a default is serialized, so it is '
              'always present)'),
    Rule('response-property-added', _C, 'info',
         summary='A property is added to a response body.',
         why='Compatible for clients that ignore unknown fields.',
         fix='Nothing to fix.',
         bad='(informational) Item.sku added',
         good='(informational) the same'),
    Rule('response-property-became-required', _C, 'info',
         summary='An optional response property became required.',
         why='Compatible: clients get it more often than before.',
         fix='Nothing to fix.',
         bad='(informational) Item.sku now always returned',
         good='(informational) the same'),
    Rule('response-property-deprecated', _C, 'info',
         summary='A response body property is marked deprecated.',
         why='Context: clients should stop reading it before it is removed.',
         fix='Nothing to fix; announce the removal.',
         bad='(informational) deprecated: true on Item.legacy_code',
         good='(informational) the same'),
    Rule('response-enum-value-added', _C, 'error',
         summary='A response field can return a value (or any value) it could not return '
                 'before.',
         why='Clients switch over the known values; an unknown one crashes them or falls '
             'into the wrong branch.',
         fix='Do not add values to a response enum in a hotfix (or mark the enum '
             'x-extensible-enum so clients know to expect new values).',
         bad='TransferStatus gains in_transit; the error kind of a 403 renamed '
             'UncancelWithoutPaymentMethod -> PaymentMethodRequired',
         good='TransferStatus unchanged; the new state is modelled in a normal release',
         severity_note='info when the enum is x-extensible-enum. In an error response body '
                       '(4xx, 5xx, `default`) the values are judged per place, variants '
                       'merged: a value added while the others are kept is info (clients '
                       'already handle an error they do not recognise as the failure it is); '
                       'a value removed while another is added at the same place is a rename '
                       'and an error (one finding naming the old and the new value: clients '
                       'matching the old value break)'),
    Rule('response-enum-value-removed', _C, 'info',
         summary='A response field no longer returns one of its values.',
         why='Compatible: clients get a subset of what they handled (in an error response, '
             'a value removed while another is added is reported as a rename, '
             'response-enum-value-added).',
         fix='Nothing to fix.',
         bad='(informational) TransferStatus loses legacy',
         good='(informational) the same'),
    Rule('response-pattern-changed', _C, 'info',
         summary='The pattern of a response field changed.',
         why='Context: clients that validate responses may care.',
         fix='Nothing to fix.',
         bad='(informational) pattern edited on Item.code',
         good='(informational) the same'),
    Rule('response-success-status-removed', _C, 'error',
         summary='A success (2xx) response status is removed.',
         why='Clients expect that status; they treat the new one as a failure.',
         fix='Keep returning the success status clients expect.',
         bad='200 -> 201 on POST /items',
         good='200 kept'),
    Rule('response-non-success-status-removed', _C, 'info',
         summary='A non-success response status is removed from the contract.',
         why='Context: clients keep their error handling; it is no longer documented.',
         fix='Nothing to fix.',
         bad='(informational) 404 no longer documented',
         good='(informational) the same'),
    Rule('response-status-added', _C, 'info',
         summary='A response status is added.',
         why='Context: clients should handle it.',
         fix='Nothing to fix.',
         bad='(informational) 409 documented on POST /orders',
         good='(informational) the same'),
    Rule('response-media-type-removed', _C, 'error',
         summary='A response media type is no longer produced.',
         why='Clients asking for it (Accept) get 406 or a body they cannot parse.',
         fix='Keep producing the media type.',
         bad='text/csv dropped from GET /reports/{id}',
         good='text/csv and application/json both produced'),
    Rule('response-media-type-added', _C, 'info',
         summary='A response media type is added.',
         why='Compatible.',
         fix='Nothing to fix.',
         bad='(informational) application/xml produced too',
         good='(informational) the same'),
    Rule('response-body-schema-removed', _C, 'warning',
         summary='A response loses its schema.',
         why='Generated clients lose their models and clients can no longer tell what they '
             'get; a reviewer must check the body itself is unchanged.',
         fix='Keep documenting the response schema.',
         bad='200 content application/json loses its schema',
         good='the schema kept'),
    Rule('response-header-removed', _C, 'error',
         summary='A response header is removed.',
         why='Clients that read it break.',
         fix='Keep sending the response header.',
         bad='X-Rate-Limit removed',
         good='X-Rate-Limit kept',
         severity_note='warning when the header was optional'),
    Rule('response-header-became-optional', _C, 'error',
         summary='A required response header became optional.',
         why='Clients rely on it being present.',
         fix='Keep the response header required.',
         bad='X-Rate-Limit required: true -> false',
         good='X-Rate-Limit stays required'),
    Rule('response-header-added', _C, 'info',
         summary='A response header is added.',
         why='Compatible.',
         fix='Nothing to fix.',
         bad='(informational) X-Request-Id added',
         good='(informational) the same'),
    # -- security ------------------------------------------------------------------------
    Rule('security-requirement-added', _C, 'error',
         summary='An existing operation now requires authentication (or another scheme).',
         why='Clients without those credentials are rejected with 401/403.',
         fix='Do not add authentication to an existing operation in a hotfix.',
         bad='security: [{token: []}] added to a public GET /status',
         good='GET /status stays public; the protection ships in a normal release'),
    Rule('security-scope-added', _C, 'error',
         summary='An operation requires an additional OAuth scope.',
         why='Existing tokens lack the scope and are rejected.',
         fix='Do not require new scopes from existing clients.',
         bad='token: [] -> token: [read]',
         good='token: [] unchanged'),
    Rule('security-requirement-removed', _C, 'info',
         summary='Security requirements are relaxed.',
         why='Compatible for clients; a reviewer may want to know.',
         fix='Nothing to fix (make sure the relaxation is intended).',
         bad='(informational) an empty {} alternative added to security',
         good='(informational) the same'),
    # -- the contract files themselves ---------------------------------------------------
    Rule('openapi-spec-stale', _C, 'warning',
         summary='The route code changed the contract but the committed spec did not.',
         why='The committed spec no longer describes the API; clients and tools generated '
             'from it are wrong.',
         fix='Regenerate the spec from the application and commit it with the change.',
         bad='a router adds a required header, openapi.json unchanged',
         good='openapi.json regenerated in the same commit',
         severity_note='contract.stale_severity in the policy (default warning); '
                       'contract.stale_additive_severity (default info) when every change of '
                       'the route code is additive (clients generated from the spec still '
                       'work); info when the spec was already behind the code at the base in '
                       'the same way (the range adds no breaking difference between the spec '
                       'and the code: a standing lag is context)'),
    Rule('openapi-unparseable', _C, 'error',
         summary='A contract file cannot be parsed (JSON/YAML syntax, not UTF-8).',
         why='The tool cannot compare what it cannot read; it fails instead of passing '
             'blind.',
         fix='Fix the syntax at the reported line (or save the file as UTF-8).',
         bad='openapi.json with a missing comma at line 41',
         good='openapi.json that parses'),
    Rule('openapi-ref-unresolved', _C, 'error',
         summary='A $ref points at nothing.',
         why='Generators and validators fail on the spec, and the part behind the ref '
             'cannot be compared (the rest still is).',
         fix='Point the $ref at an existing component or add the component.',
         bad="$ref: '#/components/schemas/Itme'",
         good="$ref: '#/components/schemas/Item'"),
    Rule('openapi-ref-external', _C, 'info',
         summary='A $ref points into another file; it is not followed.',
         why='Says what was not compared instead of passing silently.',
         fix='Bundle the spec into one file to have everything compared.',
         bad="$ref: 'common.yaml#/Error'",
         good="$ref: '#/components/schemas/Error' (bundled)"),
    Rule('openapi-duplicate-operation-id', _C, 'error',
         summary='Two operations share an operationId.',
         why='Code generators produce clashing methods and tools that look operations up by '
             'id pick the wrong one.',
         fix='Give every operation a unique operationId.',
         bad='GET /items/{id} and GET /stock/{id} both operationId get_item',
         good='get_item and get_stock'),
    Rule('openapi-spec-removed', _C, 'error',
         summary='A contract file is deleted.',
         why='Every operation it described loses its contract, and later breaking changes '
             'go unseen.',
         fix='Keep the contract file (or exclude it in contract.exclude if it is not a '
             'contract).',
         bad='git rm openapi.yaml',
         good='openapi.yaml kept and updated',
         severity_note='info when every operation it described is still described by a '
                       'remaining spec (a redundant copy deleted)'),
    Rule('openapi-too-large', _C, 'error',
         summary='A contract file is larger than contract.max_spec_bytes; it is not compared.',
         why='A spec that is not compared could hide a removed path or a breaking change: '
             'the tool fails closed instead of passing.',
         fix='Raise contract.max_spec_bytes (on the base branch) to compare it, or split the '
             'spec.',
         bad='a 30 MB spec (max_spec_bytes 20000000) that also deletes /orders/{id}',
         good='max_spec_bytes raised to 40000000 on the base branch; the spec is compared'),
    Rule('openapi-too-deep', _C, 'warning',
         summary='Schemas are nested too deeply to compare; that part is not compared.',
         why='Says what was not compared; a reviewer must look at it.',
         fix='Flatten the schema with $ref components.',
         bad='schemas nested hundreds of levels deep inline',
         good='nested schemas as named components'),
)

# -- the schema rules composed as <location>-<change> ---------------------------------------
_REQUEST = 'request'
_RESPONSE = 'response'

# location -> (side, how the rule names it, the example subject)
LOCATIONS: dict[str, tuple[str, str, str]] = {
    'request-parameter': (_REQUEST, 'a request parameter', 'query parameter `sku`'),
    'request-body': (_REQUEST, 'the request body', 'the request body of POST /items'),
    'request-property': (_REQUEST, 'a request body property', '`ItemIn.note`'),
    'response-body': (_RESPONSE, 'the response body', 'the 200 response of GET /items'),
    'response-property': (_RESPONSE, 'a response body property', '`Item.name`'),
    'response-header': (_RESPONSE, 'a response header', 'response header `X-Rate-Limit`'),
}

_NARROWED_REQUEST = ('Clients send values that were valid until now; the server now '
                     'rejects them.')
_WIDER_REQUEST = 'Compatible: the server accepts everything it accepted before.'
_WIDER_RESPONSE = ('Clients were built for the old schema (types, limits, value lists); they '
                   'now get values they may not handle.')
_NARROWED_RESPONSE = 'Compatible: clients get a subset of what they handled.'
_KEEP_REQUEST = 'Keep the request accepting everything it accepted before (widen, do not narrow).'
_KEEP_RESPONSE = 'Keep the response within what clients got before (narrow, do not widen).'
_NOTHING = 'Nothing to fix.'


class _Change:
    """One composed change: per side, (severity, why, fix), and the example."""

    def __init__(self, summary: str, request: tuple[str, str, str] | None,
                 response: tuple[str, str, str] | None, bad: str, good: str,
                 note: str = '', response_note: str = '') -> None:
        self.summary = summary
        self.sides = {_REQUEST: request, _RESPONSE: response}
        self.bad = bad
        self.good = good
        self.note = note                    # the request side's severity note
        self.response_note = response_note


_ERR_REQ = ('error', _NARROWED_REQUEST, _KEEP_REQUEST)
_INFO_REQ = ('info', _WIDER_REQUEST, _NOTHING)
_ERR_RESP = ('error', _WIDER_RESPONSE, _KEEP_RESPONSE)
_INFO_RESP = ('info', _NARROWED_RESPONSE, _NOTHING)

_CHANGES: dict[str, _Change] = {
    'type-changed': _Change(
        'the type of {where} changed', ('error', 'Clients send values of the old type; a '
                                                 'changed or narrowed type (number -> '
                                                 'integer) rejects them.', 'Keep the type.'),
        ('error', 'Clients parse the old type; the new one breaks them.', 'Keep the type.'),
        '{subject}: type string -> integer', '{subject}: type string kept'),
    'type-generalized': _Change(
        'the type of {where} was widened', _INFO_REQ, _ERR_RESP,
        '{subject}: type integer -> number', '{subject}: type integer kept'),
    'type-specialized': _Change(
        'the type of {where} was narrowed', None, _INFO_RESP,
        '(informational) {subject}: type number -> integer', '(informational) the same'),
    'format-added': _Change(
        '{where} gained a format', _ERR_REQ, _INFO_RESP,
        '{subject} gains format: uuid', '{subject}: no new format'),
    'format-removed': _Change(
        '{where} lost its format', _INFO_REQ,
        ('warning', 'Clients may rely on the format (dates, uuids) to parse the value; a '
                    'reviewer must check the values keep it.', 'Keep the format.'),
        '{subject}: format date-time removed', '{subject}: format date-time kept',
        response_note='info when the format is none JSON Schema or OpenAPI defines '
                      '(Pydantic\'s color, uuid4, name-email...): no client knows it, so '
                      'none relies on it'),
    'format-changed': _Change(
        'the format of {where} changed', _ERR_REQ, _ERR_RESP,
        '{subject}: format date -> uuid', '{subject}: format date kept',
        note='in a request: info when the format was widened (int32 -> int64, float -> '
             'double, date -> date-time, Pydantic\'s uuid4 -> uuid); between uuid and '
             'Pydantic\'s uuid1/3/4/5 a response is info (UUIDs either way, and no client '
             'knows uuid4)'),
    'became-nullable': _Change(
        '{where} became nullable', _INFO_REQ,
        ('error', 'Clients do not expect null and crash on it.',
         'Keep the response non-null.'),
        '{subject}: type string -> [string, "null"]', '{subject}: type string kept',
        response_note='not when the schema already took every value ({}, Any, a union with '
                      'such a member: null came with it) or the type became any '
                      '(type-generalized)'),
    'became-not-nullable': _Change(
        '{where} is no longer nullable', _ERR_REQ, _INFO_RESP,
        '{subject}: [string, "null"] -> string', '{subject}: still accepts null',
        note='nullable: true, type [X, "null"] and anyOf [X, {type: null}] are the same; a '
             'type change from any is type-changed only'),
    'became-enum': _Change(
        '{where} is now limited to a list of values', _ERR_REQ, _INFO_RESP,
        '{subject}: free string -> enum: [a, b]', '{subject}: any string still accepted'),
    'enum-removed': _Change(
        '{where} is no longer limited to a list of values', _INFO_REQ, None,
        '(informational) {subject}: enum removed', '(informational) the same'),
    'enum-value-removed': _Change(
        '{where} no longer accepts one of its values', _ERR_REQ, None,
        '{subject}: enum [short, full] -> [short]; Literal["a", "b"] -> Literal["a"]',
        '{subject}: enum [short, full] kept'),
    'enum-value-added': _Change(
        '{where} accepts a new value', _INFO_REQ, None,
        '(informational) {subject}: enum gains held', '(informational) the same'),
    'one-of-removed': _Change(
        '{where} lost a oneOf branch', _ERR_REQ, _INFO_RESP,
        '{subject}: oneOf [Cash, Card] -> [Card]', '{subject}: oneOf [Cash, Card] kept'),
    'any-of-removed': _Change(
        '{where} lost an anyOf branch', _ERR_REQ, _INFO_RESP,
        '{subject}: anyOf [Cash, Card] -> [Card]', '{subject}: anyOf [Cash, Card] kept'),
    'one-of-added': _Change(
        '{where} gained a oneOf branch', _INFO_REQ, _ERR_RESP,
        '{subject}: oneOf [Cash, Card] -> [Cash, Card, Voucher]',
        '{subject}: oneOf [Cash, Card] kept'),
    'any-of-added': _Change(
        '{where} gained an anyOf branch', _INFO_REQ, _INFO_RESP,
        '(informational) {subject}: anyOf gains Voucher', '(informational) the same'),
}

# the bounds: (keyword, slug, upper bound?) as openapi/schema.py compares them
_BOUNDS = (('maxLength', 'max-length', True), ('maximum', 'max', True),
           ('exclusiveMaximum', 'exclusive-max', True), ('maxItems', 'max-items', True),
           ('minLength', 'min-length', False), ('minimum', 'min', False),
           ('exclusiveMinimum', 'exclusive-min', False), ('minItems', 'min-items', False))
_BOUND_VALUES = {'maxLength': (50, 20), 'maximum': (100, 10), 'exclusiveMaximum': (100, 10),
                 'maxItems': (50, 10), 'minLength': (1, 3), 'minimum': (0, 1),
                 'exclusiveMinimum': (0, 1), 'minItems': (0, 1)}


def _bound_changes() -> dict[str, _Change]:
    out: dict[str, _Change] = {}
    for kw, slug, upper in _BOUNDS:
        small, large = sorted(_BOUND_VALUES[kw])
        for what in ('set', 'unset', 'increased', 'decreased'):
            if kw == 'minLength' and what == 'set':
                continue      # an absent minLength is 0: setting one is "increased"
            narrowed = {'set': True, 'unset': False, 'increased': not upper,
                        'decreased': upper}[what]
            if what == 'set':
                example = f'{kw}: {small} added'
            elif what == 'unset':
                example = f'{kw}: {small} removed'
            else:
                old, new = (small, large) if what == 'increased' else (large, small)
                example = f'{kw}: {old} -> {new}'
            if narrowed:
                request = (('warning', 'A new limit: values clients send today may not fit '
                                       'it; a reviewer must check they do (info when an old '
                                       'bound on the same side already implied it, or it is '
                                       'the integer type\'s own limit, Int32/Int64: it '
                                       'rejects nothing).',
                            'Make sure every value clients send fits the new limit.')
                           if what == 'set' else _ERR_REQ)
                response = _INFO_RESP
            else:
                request, response = _INFO_REQ, _ERR_RESP
            summary = {'set': f'{{where}} gained a {kw}', 'unset': f'{{where}} lost its {kw}',
                       'increased': f'the {kw} of {{where}} was raised',
                       'decreased': f'the {kw} of {{where}} was lowered'}[what]
            out[f'{slug}-{what}'] = _Change(
                summary, request, response,
                '{subject}: ' + example, '{subject}: ' + f'{kw} unchanged')
    return out


def _all_changes() -> dict[str, _Change]:
    return {**_CHANGES, **_bound_changes()}


def composed_ids() -> list[str]:
    """The ids of the composed rules, without building them (the policy checks ids on
    every commit)."""
    changes = _all_changes()
    return [f'{location}-{slug}' for location, (side, _, _) in LOCATIONS.items()
            for slug, change in changes.items() if change.sides[side] is not None]


def composed_rules() -> dict[str, Rule]:
    out = []
    changes = _all_changes()
    for location, (side, where, subject) in LOCATIONS.items():
        for slug, change in changes.items():
            spec = change.sides[side]
            if spec is None:
                continue
            severity, why, fix = spec
            informational = severity == 'info'
            summary = change.summary.format(where=where)
            out.append(Rule(
                f'{location}-{slug}', _C, severity,
                summary=summary[0].upper() + summary[1:] + '.',
                why=why, fix=fix,
                bad=('(informational) ' if informational and not change.bad.startswith('(')
                     else '') + change.bad.format(subject=subject),
                good=('(informational) ' if informational and not change.good.startswith('(')
                      else '') + change.good.format(subject=subject),
                severity_note=change.note if side == _REQUEST else change.response_note,
                group=f'{side}-*-{slug}'))
    return hotfix_only(table(*out))


# the rules declared one by one; composed_rules() adds the <location>-<change> ones
RULES = hotfix_only(table(*_FIXED))
