import { readFileSync } from 'node:fs';

/** What {@link identityOf} reads of a kubeconfig user. */
export interface IdentitySource {
  name: string;
  /** `as` (impersonation). */
  as?: string | null | undefined;
  username?: string | null | undefined;
  token?: string | null | undefined;
  tokenFile?: string | null | undefined;
}

/**
 * Who a kubeconfig user authenticates as, as well as can be told offline: the impersonated user,
 * the basic-auth user name, the `sub` of a JWT bearer token (service accounts:
 * `system:serviceaccount:<ns>:<name>`), else the user entry's name; `anonymous` without a user.
 */
export function identityOf(user: IdentitySource | undefined): string {
  if (!user) return 'anonymous';
  if (user.as) return user.as;
  if (user.username) return user.username;
  let token = user.token ?? undefined;
  if (!token && user.tokenFile) {
    try {
      token = readFileSync(user.tokenFile, 'utf8').trim();
    } catch {
      token = undefined;
    }
  }
  return (token && jwtSubject(token)) || user.name;
}

function jwtSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const sub = (claims as { sub?: unknown } | null)?.sub;
    return typeof sub === 'string' && sub !== '' ? sub : undefined;
  } catch {
    return undefined;
  }
}
