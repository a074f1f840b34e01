import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The KDF's cost, stored beside each hash so it can be raised for new PINs while old ones still verify. */
export interface PinKdfParams {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  keylen: number;
}

export interface HashedPin {
  /** base64 */
  hash: string;
  /** base64, random per PIN */
  salt: string;
  params: PinKdfParams;
}

/** OWASP's scrypt floor (N=2^17, r=8, p=1) costs 128 MiB per check; a PIN is also guarded by the lock-out, so 2^15 (32 MiB) is the default. */
export const DEFAULT_PIN_KDF: PinKdfParams = { algorithm: 'scrypt', N: 2 ** 15, r: 8, p: 1, keylen: 32 };

function derive(pin: string, salt: Buffer, params: PinKdfParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node refuses above 32 MiB unless maxmem says otherwise.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, params.keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a PIN with a fresh 16-byte salt. */
export async function hashPin(pin: string, params: PinKdfParams = DEFAULT_PIN_KDF): Promise<HashedPin> {
  const salt = randomBytes(16);
  const key = await derive(pin, salt, params);
  return { hash: key.toString('base64'), salt: salt.toString('base64'), params };
}

/** True when `pin` hashes to `stored` under the stored salt and parameters (constant-time comparison). */
export async function pinMatches(pin: string, stored: HashedPin): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(pin, Buffer.from(stored.salt, 'base64'), { ...stored.params, keylen: expected.length });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
