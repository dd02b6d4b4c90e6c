import { createMiddleware } from 'hono/factory';
import { renderMessagePage } from './layout';
import type { ConsoleEnv } from './session';

/** Admin pages: a member gets 403 and a page that says so (the navigation does not offer them these pages). */
export const requireAdminPage = createMiddleware<ConsoleEnv>(async (c, next) => {
  if (c.get('user').role !== 'admin') {
    const en = c.get('lang') === 'en';
    return renderMessagePage(c, {
      title: en ? 'For admins only' : '管理者専用のページです',
      message: en ? 'Only an admin may open this page. Ask an admin if you need what it shows.' : 'このページは管理者のみ利用できます。必要な場合は管理者に依頼してください。',
      status: 403,
    });
  }
  await next();
});
