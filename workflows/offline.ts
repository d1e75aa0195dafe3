// Every workflow the offline worker serves. The worker bundles this module.
export { roundTrip } from './round-trip.js';
export { generateDataset } from './generate-dataset.js';
