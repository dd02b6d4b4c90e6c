import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './context';
import { errorResponse } from './errors';

/** A router whose validation failures answer 400 in the API's error shape, with zod's issues in `details`. */
export function newRouter() {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const where = issues[0]?.path ? ` at ${issues[0].path}` : '';
        return errorResponse(c, 400, 'invalid_request', `The request is malformed${where}: ${issues[0]?.message}.`, issues);
      }
      return undefined;
    },
  });
}
