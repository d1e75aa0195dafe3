// Every workflow the offline worker serves. The worker bundles this module.
export { roundTrip } from './round-trip.js';
export { etl } from './etl.js';
