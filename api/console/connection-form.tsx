import { z } from 'zod';
import type { MikroORM } from '../../src/db';
import { listGroups, listUsers, MAX_PAGE_SIZE, SAVE_MODES, VISIBILITY_SCOPES, type ConnectionSettings, type Reviewers, type Visibility } from '../../src/ledger';
import { CONNECTION_WORDS } from './connection-words';
import type { Lang } from './i18n';

/**
 * The settings of a connection as a form has them — the wizard's Steps 2 and 3 and the connection page's
 * settings alike — and the fieldsets that show them. The rules (names, reviewers in review mode, existing
 * groups and users) are the ledger's: this only turns form fields into the service's input.
 */

/** Who can be picked: the groups and the users who may sign in (one page of each is what a person can scan). */
export interface Directory {
  groups: { id: string; name: string }[];
  users: { id: string; name: string }[];
}

export async function loadDirectory(orm: MikroORM): Promise<Directory> {
  const em = orm.em.fork();
  const [groups, users] = await Promise.all([listGroups(em, { limit: MAX_PAGE_SIZE }), listUsers(em.fork(), { limit: MAX_PAGE_SIZE })]);
  return {
    groups: groups.items.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name)),
    users: users.items.filter((u) => !u.disabledAt).map((u) => ({ id: u.id, name: u.name })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** A form field that may come once, many times or not at all. */
const many = z.preprocess((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]), z.array(z.string().max(100)).max(MAX_PAGE_SIZE));
const one = z.preprocess((value) => (Array.isArray(value) ? value[0] : value), z.string().max(1000).optional());

const SettingsForm = z.object({
  name: one,
  clientId: one,
  scope: z.preprocess((value) => (Array.isArray(value) ? value[0] : value), z.enum(VISIBILITY_SCOPES).optional()),
  visibilityGroupIds: many,
  owners: many,
  saveMode: z.preprocess((value) => (Array.isArray(value) ? value[0] : value), z.enum(SAVE_MODES).optional()),
  reviewerGroupIds: many,
  reviewerUserIds: many,
});

export type SettingsInput = ConnectionSettings & { reviewers: Reviewers; clientId?: string };

/**
 * The settings a form sent, or undefined when it is not a form of ours at all (a field of the wrong kind).
 * A missing choice reads as the form's default, so the ledger's own checks say what is wrong.
 */
export function parseSettingsForm(body: Record<string, unknown>): SettingsInput | undefined {
  const parsed = SettingsForm.safeParse(body);
  if (!parsed.success) return undefined;
  const form = parsed.data;
  const scope = form.scope ?? 'company';
  const visibility: Visibility = scope === 'groups' ? { scope, groupIds: form.visibilityGroupIds } : { scope };
  const clientId = form.clientId?.trim();
  return {
    name: form.name ?? '',
    visibility,
    owners: form.owners,
    saveMode: form.saveMode ?? 'direct',
    // Reviewers only mean something in review mode; a direct connection keeps none.
    reviewers: form.saveMode === 'review' ? { groupIds: form.reviewerGroupIds, userIds: form.reviewerUserIds } : { groupIds: [], userIds: [] },
    ...(clientId && { clientId }),
  };
}

/** What the fieldsets show as chosen: a connection's settings, or the wizard's defaults. */
export interface Chosen {
  visibility: Visibility;
  owners: string[];
  saveMode: ConnectionSettings['saveMode'];
  reviewers: Reviewers;
}

export const NOTHING_CHOSEN: Chosen = { visibility: { scope: 'company' }, owners: [], saveMode: 'direct', reviewers: { groupIds: [], userIds: [] } };

function Checkboxes({ name, items, checked, empty }: { name: string; items: { id: string; name: string }[]; checked: string[]; empty: string }) {
  if (!items.length) return <p class="help">{empty}</p>;
  return (
    <div class="choices">
      {items.map((item) => (
        <label>
          <input type="checkbox" name={name} value={item.id} checked={checked.includes(item.id)} />
          {item.name}
        </label>
      ))}
    </div>
  );
}

/** 共有範囲 (with the groups it may name) and 社内担当者: the wizard's Step 2. */
export function VisibilityFields({ lang, directory, chosen }: { lang: Lang; directory: Directory; chosen: Chosen }) {
  const w = CONNECTION_WORDS[lang];
  const groupIds = chosen.visibility.scope === 'groups' ? chosen.visibility.groupIds : [];
  return (
    <>
      {/* role=radiogroup: CONSOLE.md names these radio groups, and assistive technology announces them so. */}
      <fieldset role="radiogroup">
        <legend>{w.scope}</legend>
        {VISIBILITY_SCOPES.map((scope) => (
          <label>
            <input type="radio" name="scope" value={scope} checked={chosen.visibility.scope === scope} />
            {w[scope]}
          </label>
        ))}
      </fieldset>
      <fieldset class="nested">
        <legend>{w.visibleGroups}</legend>
        <Checkboxes name="visibilityGroupIds" items={directory.groups} checked={groupIds} empty={w.noGroups} />
      </fieldset>
      <fieldset>
        <legend>{w.owners}</legend>
        <p class="help">{w.ownersHelp}</p>
        <Checkboxes name="owners" items={directory.users} checked={chosen.owners} empty={w.noUsers} />
      </fieldset>
    </>
  );
}

/** The save mode and 確認者: the wizard's Step 3. */
export function SaveModeFields({ lang, directory, chosen }: { lang: Lang; directory: Directory; chosen: Chosen }) {
  const w = CONNECTION_WORDS[lang];
  return (
    <>
      <fieldset role="radiogroup">
        <legend>{w.saveMode}</legend>
        {SAVE_MODES.map((mode) => (
          <label>
            <input type="radio" name="saveMode" value={mode} checked={chosen.saveMode === mode} />
            {w[mode]}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{w.reviewers}</legend>
        <p class="help">{w.reviewersHelp}</p>
        <fieldset class="nested">
          <legend>{w.reviewerGroups}</legend>
          <Checkboxes name="reviewerGroupIds" items={directory.groups} checked={chosen.reviewers.groupIds} empty={w.noGroups} />
        </fieldset>
        <fieldset class="nested">
          <legend>{w.reviewerUsers}</legend>
          <Checkboxes name="reviewerUserIds" items={directory.users} checked={chosen.reviewers.userIds} empty={w.noUsers} />
        </fieldset>
      </fieldset>
    </>
  );
}
