import { createRoute, z } from '@hono/zod-openapi';
import { createUser, getUser, isDeliverable, listUsers, nonBlankText, rotateToken, setUserDisabled, updateUser, USER_ROLES, type User } from '../src/ledger';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { bodyErrorResponses, errorContent, errorResponses } from './errors';
import { IdParam, ListQuery, pageOf } from './schemas';
import { newRouter } from './router';

/** Users of the ledger (admin only): API.md "Users and groups". */

const RoleSchema = z.enum(USER_ROLES).openapi({ description: 'An admin manages connections, users and groups; a member reads contracts.' });

const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    role: RoleSchema,
    deliverable: z.boolean().openapi({
      description: 'Whether mail to this address can reach a person: false for reserved domains (.invalid, .example, .test, example.com…)',
    }),
    disabledAt: z.string().nullable().openapi({ format: 'date-time', description: 'Since when the user is disabled (their token refused); null while they may sign in.' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('User', {
    example: { id: '0193a5c2-1111-7b8a-9c1d-2e3f4a5b6c7d', name: '山田 花子', email: 'hanako.yamada@example.jp', role: 'member', disabledAt: null, createdAt: '2026-09-15T00:00:00.000Z' },
  });

const NewTokenSchema = z
  .object({ apiToken: z.string().openapi({ description: 'The new API token. Shown this once; the old one is refused from now on.' }) })
  .openapi('NewApiToken');

const CreatedUserSchema = UserSchema.extend({
  apiToken: z.string().openapi({ description: 'The user\'s API token. Shown this once: only its hash is kept.' }),
}).openapi('CreatedUser', {
  example: {
    id: '0193a5c2-1111-7b8a-9c1d-2e3f4a5b6c7d',
    name: '山田 花子',
    email: 'hanako.yamada@example.jp',
    role: 'member',
    disabledAt: null,
    createdAt: '2026-09-15T00:00:00.000Z',
    apiToken: '<the new API token, shown once>',
  },
});

const UserFields = {
  name: nonBlankText(200),
  // One pattern, checked and documented: `format: email` would let each client guess which RFC it means.
  email: z.string().max(320).regex(z.regexes.email, 'must be an e-mail address (name@example.com)').openapi({ example: 'hanako@example.co.jp' }),
};

export const CreateUserBody = z.object({ ...UserFields, role: RoleSchema }).openapi('CreateUser', { example: { name: '山田 花子', email: 'hanako.yamada@example.jp', role: 'member' } });

const UpdateUserBody = z
  .object(UserFields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'give a name or an email to change')
  .openapi('UpdateUser', { minProperties: 1 });


const createUserRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a user and its API token (admin)',
  security: [{ Bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CreateUserBody } } } },
  responses: {
    201: { description: 'The user, with its API token shown once', content: { 'application/json': { schema: CreatedUserSchema } } },
    409: { description: 'A user has this e-mail address already', content: errorContent },
    422: { description: 'The ledger refused the user', content: errorContent },
    ...errorResponses,
    ...bodyErrorResponses,
  },
});

const listUsersRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List users, newest first (admin)',
  security: [{ Bearer: [] }],
  request: { query: ListQuery },
  responses: {
    200: { description: 'A page of users', content: { 'application/json': { schema: pageOf(UserSchema, 'UserPage') } } },
    ...errorResponses,
  },
});

const getUserRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One user (admin)',
  security: [{ Bearer: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'The user', content: { 'application/json': { schema: UserSchema } } },
    404: { description: 'No user has this ID', content: errorContent },
    ...errorResponses,
  },
});

const updateUserRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: 'Change a user\'s name or e-mail address (admin)',
  security: [{ Bearer: [] }],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: UpdateUserBody } } } },
  responses: {
    200: { description: 'The user as changed', content: { 'application/json': { schema: UserSchema } } },
    404: { description: 'No user has this ID', content: errorContent },
    409: { description: 'Another user has this e-mail address', content: errorContent },
    ...errorResponses,
    ...bodyErrorResponses,
  },
});

const disabledRoute = (action: 'disable' | 'enable') =>
  createRoute({
    method: 'post',
    path: `/{id}/${action}`,
    summary:
      action === 'disable'
        ? 'Disable a user: their API token is refused at once (admin); the last admin cannot be disabled'
        : 'Enable a disabled user again: their token works again (admin)',
    security: [{ Bearer: [] }],
    request: { params: IdParam },
    responses: {
      200: { description: 'The user as changed', content: { 'application/json': { schema: UserSchema } } },
      404: { description: 'No user has this ID', content: errorContent },
      ...(action === 'disable' && { 409: { description: 'The last admin who may sign in', content: errorContent } }),
      ...errorResponses,
    },
  });

const rotateTokenRoute = createRoute({
  method: 'post',
  path: '/{id}/token',
  summary: 'Rotate a user\'s API token: a new one, shown once; the old one is refused from then on (admin)',
  security: [{ Bearer: [] }],
  request: { params: IdParam },
  responses: {
    201: { description: 'The new token', content: { 'application/json': { schema: NewTokenSchema } } },
    404: { description: 'No user has this ID', content: errorContent },
    ...errorResponses,
  },
});

function toUserJson(user: User): z.infer<typeof UserSchema> {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    deliverable: isDeliverable(user.email),
    disabledAt: user.disabledAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

export function userRoutes({ orm }: ApiDeps) {
  const router = newRouter();
  router.use('*', requireAdmin);
  return router
    .openapi(createUserRoute, async (c) => {
      const { user, apiToken } = await createUser(orm.em.fork(), { ...c.req.valid('json'), actor: c.get('user') });
      return c.json({ ...toUserJson(user), apiToken }, 201);
    })
    .openapi(listUsersRoute, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const page = await listUsers(orm.em.fork(), { limit, cursor });
      return c.json({ items: page.items.map(toUserJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getUserRoute, async (c) => {
      return c.json(toUserJson(await getUser(orm.em.fork(), c.req.valid('param').id)), 200);
    })
    .openapi(updateUserRoute, async (c) => {
      return c.json(toUserJson(await updateUser(orm.em.fork(), { userId: c.req.valid('param').id, ...c.req.valid('json'), actor: c.get('user') })), 200);
    })
    .openapi(disabledRoute('disable'), async (c) => {
      return c.json(toUserJson(await setUserDisabled(orm.em.fork(), { userId: c.req.valid('param').id, disabled: true, actor: c.get('user') })), 200);
    })
    .openapi(disabledRoute('enable'), async (c) => {
      return c.json(toUserJson(await setUserDisabled(orm.em.fork(), { userId: c.req.valid('param').id, disabled: false, actor: c.get('user') })), 200);
    })
    .openapi(rotateTokenRoute, async (c) => {
      const { apiToken } = await rotateToken(orm.em.fork(), { userId: c.req.valid('param').id, actor: c.get('user') });
      return c.json({ apiToken }, 201);
    });
}
