import { createConnectionActivities, type ConnectionActivityDeps } from './connection';

export type ActivityDeps = ConnectionActivityDeps;

/** Every activity the worker registers, built from their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createConnectionActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
