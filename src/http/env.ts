import type { Caller } from '../auth/caller.js';

/** Values middleware leaves on the Hono context for later handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    caller: Caller;
  };
}
