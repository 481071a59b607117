/**
 * A real HTTPS receiver the e2e server forwards its audit log to (JIT_SIEM_HTTPS_URL): a 2xx to
 * each batch acknowledges it, so the Connectors page has a live forwarding state to show.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createStandinCertificates } from '../../standins/graph/tls.js';

export async function startSiemReceiver(dir: string): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const certs = await createStandinCertificates();
  const caFile = path.join(dir, 'siem-ca.pem');
  writeFileSync(caFile, certs.caPem);
  const server = createServer({ cert: certs.serverCertPem, key: certs.serverKeyPem }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(req.method === 'POST' ? 200 : 405, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { JIT_SIEM_HTTPS_URL: `https://127.0.0.1:${port}/ingest`, JIT_SIEM_HTTPS_CA_FILE: caFile },
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
