import { createConnectionActivities, type ConnectionActivityDeps } from './connection';
import { createReviewActivities, type ReviewActivityDeps } from './review';

export type ActivityDeps = ConnectionActivityDeps & ReviewActivityDeps;

/** Every activity the worker registers, built from their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createConnectionActivities(deps), ...createReviewActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
