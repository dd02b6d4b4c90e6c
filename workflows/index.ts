// Every workflow the worker runs.
export { connectionWorkflow } from './connection';
