import { InvalidIdentifierError } from '../errors.js';

const ENDPOINT_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)+$/;
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Endpoint ids are path segments of word characters; nothing that could climb out of a path. */
export function assertEndpointId(id: string): string {
  if (!ENDPOINT_ID.test(id) || id.split('/').some((part) => part === '.' || part === '..')) {
    throw new InvalidIdentifierError(
      `"${id}" is not a valid fal endpoint id (expected owner/app[/path], e.g. fal-ai/flux/dev).`,
    );
  }
  return id;
}

export function assertRequestId(id: string): string {
  if (!REQUEST_ID.test(id)) {
    throw new InvalidIdentifierError(
      'request_id must be the id fal returned (letters, digits, "-" and "_"), not a URL or a path.',
    );
  }
  return id;
}

/** fal's rule: requests live under owner/alias (three segments for workflows/ and comfy/). */
export function appOf(endpointId: string): string {
  const parts = endpointId.split('/');
  const n = parts[0] === 'workflows' || parts[0] === 'comfy' ? 3 : 2;
  return parts.slice(0, n).join('/');
}

/** Queue paths are rebuilt from validated ids; URLs fal hands back are never fetched. */
export const queuePaths = {
  submit: (endpointId: string) => assertEndpointId(endpointId),
  status: (endpointId: string, requestId: string) =>
    `${appOf(assertEndpointId(endpointId))}/requests/${assertRequestId(requestId)}/status`,
  result: (endpointId: string, requestId: string) =>
    `${appOf(assertEndpointId(endpointId))}/requests/${assertRequestId(requestId)}`,
  cancel: (endpointId: string, requestId: string) =>
    `${appOf(assertEndpointId(endpointId))}/requests/${assertRequestId(requestId)}/cancel`,
};
