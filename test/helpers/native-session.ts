/** The native Session's init array for direct calls of the internal API, valid but for `fields`. */
import type { SessionInit } from '../../lib/core/contract.js';
import { sessionInitArray } from '../../lib/core/session-init.js';

export function nativeSessionInit(fields: Partial<SessionInit> & { url: string }): unknown[] {
  return sessionInitArray(
    {
      protocols: [],
      headers: [],
      handshakeTimeout: 0,
      maxPayload: 0,
      closeTimeout: 0,
      curlOptions: [],
      verbose: 0,
      privateDns: false,
      autoPong: true,
      textAs: 'string',
      perMessageDeflate: undefined,
      keylog: undefined,
      ...fields,
    },
    fields,
  );
}
