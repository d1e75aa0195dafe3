// Every workflow the agent worker serves. The worker bundles this module.
export { conversation } from './conversation.js';
