// How clients and workers reach the Temporal server: plaintext to the embedded dev server, TLS
// with an API key or an mTLS client certificate to a managed one (Temporal Cloud). Both the
// client's Connection and the worker's NativeConnection take these options.
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/environment.js';

export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean | { clientCertPair: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

export function temporalConnectionOptions(temporal: Config['temporal']): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: temporal.address };
  if (temporal.tlsCertificatePath && temporal.tlsKeyPath) {
    options.tls = {
      clientCertPair: {
        crt: readFileSync(temporal.tlsCertificatePath),
        key: readFileSync(temporal.tlsKeyPath),
      },
    };
  } else if (temporal.tls) {
    options.tls = true;
  }
  if (temporal.apiKey) options.apiKey = temporal.apiKey;
  return options;
}
