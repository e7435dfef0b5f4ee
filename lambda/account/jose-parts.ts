/**
 * The parts of jose the token verifier loads. Imported through this module, the bundle's lazily loaded chunk holds
 * only these; `import('jose')` would carry all of jose (encryption, signing, key generation) into the cold start.
 */
export { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
