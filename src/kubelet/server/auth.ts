// How the kubelet's HTTPS endpoint knows a request comes from the API server.
//
// The API server presents `Authorization: Bearer <kubelet client token>`, a token derived from
// the cluster token (the server's admin token, which `kubelite agent --token` also carries):
// HMAC-SHA256(clusterToken, "kubelite/kubelet-client/v1"), hex. Both sides compute it without
// any extra file or CA key; the derived token is not accepted by the API server, so a process
// posing as a kubelet learns nothing that opens the API. The kubelet answers 401 to anything
// else. (The API server does not verify the kubelet's self-signed serving certificate, as
// kube-apiserver without --kubelet-certificate-authority.)
import { createHmac, timingSafeEqual } from 'node:crypto';

const LABEL = 'kubelite/kubelet-client/v1';

export function kubeletClientToken(clusterToken: string): string {
  return createHmac('sha256', clusterToken).update(LABEL).digest('hex');
}

/** Does this Authorization header carry the expected token? */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  if (!header || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim());
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
