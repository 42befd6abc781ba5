import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BatonError, type HttpAnswer, type HttpInit } from '../../core/index.js';

/**
 * A DC/OS login (marathon-semantics.md §10.5): a service account (uid + its RSA private key) or a user (uid +
 * password), exchanged at the cluster's IAM (`POST /acs/api/v1/auth/login`) for a token that Baton
 * then sends as `Authorization: token=…`, logging in again when it expires (a 401).
 */
export interface Login {
  /** The IAM's login URL (default: the Marathon URL's origin + /acs/api/v1/auth/login, as behind Admin Router). */
  url: string;
  uid: string;
  /** PEM file of the service account's private key. */
  privateKeyFile?: string;
  password?: string;
}

const base64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * The service-login token DC/OS expects: a JWT with claims `uid` and `exp`, signed RS256 with the
 * service account's key. Node's crypto does the signing (RSASSA-PKCS1-v1_5 with SHA-256, which is
 * all RS256 is); a JWT library would add a dependency for these three lines.
 */
export function serviceLoginToken(uid: string, privateKeyPem: string, now = Date.now(), validS = 300): string {
  const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({ uid, exp: Math.floor(now / 1000) + validS }));
  let key;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new BatonError(
      'BATON_BAD_ARGUMENT',
      `the service account's private key is not a PEM private key: ${(err as Error).message}`,
    );
  }
  return `${head}.${claims}.${base64url(sign('sha256', Buffer.from(`${head}.${claims}`), key))}`;
}

/** Log in; resolves with the ACS token. Failures are BATON_TARGET_UNAVAILABLE (unreachable, refused). */
export async function login(
  l: Login,
  fetchImpl: (url: string, init: HttpInit) => Promise<HttpAnswer>,
  timeoutMs: number,
): Promise<string> {
  let body: { uid: string; token?: string; password?: string };
  if (l.privateKeyFile) {
    let pem: string;
    try {
      pem = readFileSync(l.privateKeyFile, 'utf8');
    } catch (err) {
      throw new BatonError(
        'BATON_BAD_ARGUMENT',
        `cannot read the service account's private key ${l.privateKeyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    body = { uid: l.uid, token: serviceLoginToken(l.uid, pem) };
  } else body = { uid: l.uid, password: l.password ?? '' };
  let res: HttpAnswer;
  try {
    res = await fetchImpl(l.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as Error).cause ? String(((err as Error).cause as Error).message) : (err as Error).message;
    throw new BatonError('BATON_TARGET_UNAVAILABLE', `Cannot reach the DC/OS login at ${l.url}: ${cause}`, {
      cause: err,
    });
  }
  const answer = (await res.json().catch(() => ({}))) as {
    token?: string;
    title?: string;
    description?: string;
    message?: string;
  };
  if (!res.ok || typeof answer.token !== 'string') {
    throw new BatonError(
      'BATON_TARGET_UNAVAILABLE',
      `DC/OS login as ${l.uid} refused (${res.status}): ${answer.description ?? answer.title ?? answer.message ?? 'no token in the answer'}`,
    );
  }
  return answer.token;
}
