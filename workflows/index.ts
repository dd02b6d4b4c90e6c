// Every workflow the worker runs.
export { connectionWorkflow } from './connection/index';
export { reviewWorkflow } from './review/index';
