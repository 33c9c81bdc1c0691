import type { MiddlewareHandler } from 'hono';
import { resolveCaller } from '../../auth/caller.js';
import type { AuthPosture } from '../../config.js';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';

/** Credential headers → caller, once per request, before anything MCP happens. */
export const callerContext =
  (posture: AuthPosture): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const result = resolveCaller(
      { falKey: c.req.header('x-fal-key'), authorization: c.req.header('authorization') },
      posture,
    );
    if (!result.ok) {
      const challenge = posture.kind === 'shared-key' ? 'Bearer realm="fal-mcp"' : 'Key realm="fal-mcp"';
      return jsonRpcErrorResponse(result.status, result.message, { 'www-authenticate': challenge });
    }
    c.set('caller', result.caller);
    await next();
  };
