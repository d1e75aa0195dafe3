/** What the round-trip workflow returns: what its activities read back from S3 and MongoDB. */
export interface RoundTripResult {
  objectKey: string;
  objectText: string;
  documentId: string;
  documentText: string;
  /** True when both stores returned exactly what was written. */
  matches: boolean;
}
