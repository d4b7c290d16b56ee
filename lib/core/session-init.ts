/**
 * The native `Session` constructor's first argument: a {@link SessionInit} laid out as the flat
 * array {@link SessionInitField} describes. The engine reads positions, not ~20 named properties
 * (each a string-keyed lookup on every connect()).
 */
import { SessionInitField as F } from './contract';
import type { SessionInit } from './contract';

/**
 * @param o - the validated options (`NormalizedOptions` has every field but the CA source)
 * @param ca - where the CA roots come from (none: not needed, the URL cannot use TLS)
 */
export function sessionInitArray(
  o: Omit<SessionInit, 'caFile' | 'caBundle'>,
  ca: Pick<SessionInit, 'caFile' | 'caBundle'> | undefined,
): unknown[] {
  const init: unknown[] = new Array(F.FieldCount);
  init[F.Url] = o.url;
  init[F.Protocols] = o.protocols;
  init[F.Headers] = o.headers;
  init[F.HandshakeTimeout] = o.handshakeTimeout;
  init[F.MaxPayload] = o.maxPayload;
  init[F.CloseTimeout] = o.closeTimeout;
  init[F.CaFile] = ca?.caFile;
  init[F.CaBundle] = ca?.caBundle;
  init[F.Keylog] = o.keylog;
  init[F.CurlOptions] = o.curlOptions;
  init[F.Verbose] = o.verbose;
  init[F.PrivateDns] = o.privateDns;
  init[F.AutoPong] = o.autoPong;
  init[F.TextAsBytes] = o.textAs === 'bytes';
  const deflate = o.perMessageDeflate;
  init[F.Deflate] = deflate !== undefined;
  if (deflate) {
    init[F.DeflateServerNoContextTakeover] = deflate.serverNoContextTakeover;
    init[F.DeflateClientNoContextTakeover] = deflate.clientNoContextTakeover;
    init[F.DeflateServerMaxWindowBits] = deflate.serverMaxWindowBits;
    init[F.DeflateClientMaxWindowBits] = deflate.clientMaxWindowBits;
    init[F.DeflateThreshold] = deflate.threshold;
    init[F.DeflateLevel] = deflate.level;
    init[F.DeflateMemLevel] = deflate.memLevel;
  }
  return init;
}
