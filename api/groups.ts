import { createRoute, z } from '@hono/zod-openapi';
import { createGroup, getGroup, listGroups, nonBlankText, setGroupMembers, type Group } from '../src/ledger';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { bodyErrorResponses, errorContent, errorResponses } from './errors';
import { IdParam, ListQuery, pageOf } from './schemas';
import { newRouter } from './router';

/** Groups of users (admin only): used for visibility (公開範囲) and as reviewers. API.md "Users and groups". */

const MemberIds = z
  .array(z.string().min(1).max(100))
  .max(10_000)
  .openapi({ description: 'User IDs; every one must name a user (unknown ones are refused with 422 and named).' });

const GroupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    memberIds: z.array(z.string()),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Group', { example: { id: '0193a5c2-2222-7b8a-9c1d-2e3f4a5b6c7d', name: '法務部', memberIds: ['0193a5c2-1111-7b8a-9c1d-2e3f4a5b6c7d'], createdAt: '2026-09-15T00:00:00.000Z' } });

export const CreateGroupBody = z.object({ name: nonBlankText(200), memberIds: MemberIds }).openapi('CreateGroup');
export const SetMembersBody = z.object({ memberIds: MemberIds }).openapi('GroupMembers');

const notFound = { 404: { description: 'No group has this ID', content: errorContent } };
const unknownMembers = { 422: { description: 'Some member IDs name no user (listed in details.userIds)', content: errorContent } };

const createGroupRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a group (admin)',
  security: [{ Bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CreateGroupBody } } } },
  responses: {
    201: { description: 'The group', content: { 'application/json': { schema: GroupSchema } } },
    409: { description: 'A group has this name already', content: errorContent },
    ...unknownMembers,
    ...errorResponses,
    ...bodyErrorResponses,
  },
});

const setMembersRoute = createRoute({
  method: 'put',
  path: '/{id}/members',
  summary: 'Replace the members of a group (admin)',
  security: [{ Bearer: [] }],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: SetMembersBody } } } },
  responses: {
    200: { description: 'The group with its new members', content: { 'application/json': { schema: GroupSchema } } },
    ...notFound,
    ...unknownMembers,
    ...errorResponses,
    ...bodyErrorResponses,
  },
});

const listGroupsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List groups, newest first (admin)',
  security: [{ Bearer: [] }],
  request: { query: ListQuery },
  responses: {
    200: { description: 'A page of groups', content: { 'application/json': { schema: pageOf(GroupSchema, 'GroupPage') } } },
    ...errorResponses,
  },
});

const getGroupRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One group (admin)',
  security: [{ Bearer: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'The group', content: { 'application/json': { schema: GroupSchema } } },
    ...notFound,
    ...errorResponses,
  },
});

function toGroupJson(group: Group): z.infer<typeof GroupSchema> {
  return { id: group.id, name: group.name, memberIds: group.memberIds, createdAt: group.createdAt.toISOString() };
}

export function groupRoutes({ orm }: ApiDeps) {
  const router = newRouter();
  router.use('*', requireAdmin);
  return router
    .openapi(createGroupRoute, async (c) => {
      return c.json(toGroupJson(await createGroup(orm.em.fork(), { ...c.req.valid('json'), actor: c.get('user') })), 201);
    })
    .openapi(setMembersRoute, async (c) => {
      const { id } = c.req.valid('param');
      const group = await setGroupMembers(orm.em.fork(), { groupId: id, memberIds: c.req.valid('json').memberIds, actor: c.get('user') });
      return c.json(toGroupJson(group), 200);
    })
    .openapi(listGroupsRoute, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const page = await listGroups(orm.em.fork(), { limit, cursor });
      return c.json({ items: page.items.map(toGroupJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getGroupRoute, async (c) => {
      return c.json(toGroupJson(await getGroup(orm.em.fork(), c.req.valid('param').id)), 200);
    });
}
