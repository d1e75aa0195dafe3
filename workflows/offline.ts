// Every workflow the offline worker serves. The worker bundles this module.
export { roundTrip } from './round-trip.js';
export { ragIndex } from './rag-index.js';
export { collectNotionData } from './collect-notion-data.js';
export { refreshKnowledgeBase } from './refresh-knowledge-base.js';
export { generateDataset } from './generate-dataset.js';
export { etl } from './etl.js';
export { fineTune } from './fine-tune.js';
export { evaluate } from './evaluate.js';
export { summarizerEndpoint } from './summarizer-endpoint.js';
