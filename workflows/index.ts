// Every workflow the worker runs.
export { connectionWorkflow } from './connection';
export { reviewWorkflow } from './review';
