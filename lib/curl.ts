/**
 * `curlws/curl`: libcurl's own API from TypeScript, for people who know it from C. `Easy` is a
 * libcurl easy handle (`curl_easy_setopt`, `curl_easy_getinfo`, `curl_easy_header`,
 * `curl_ws_recv`, `curl_ws_send`, `curl_ws_meta`, `curl_easy_pause`, …) whose `perform()` runs asynchronously on
 * curlws's engine. The constants are libcurl's, generated from its headers. See docs/libcurl.md.
 *
 * ```ts
 * import { Easy, CURLWS_PING, CURLE_AGAIN } from 'curlws/curl';
 * ```
 */
import { binding } from './core/native';

export { Easy } from './curl/easy';
export type {
  CurlHeader,
  CurlHeaderOptions,
  CurlInfoName,
  CurlInfoValue,
  CurlOptionValue,
  CurlWsFrame,
  DebugFunction,
  EasyRecvResult,
  EasySendResult,
  HeaderFunction,
  ReadFunction,
  WriteFunction,
  WsRecvResult,
  WsSendResult,
} from './curl/easy';
export type { CurlOptionAlias, CurlOptionName } from './core/curl-policy';
export { CurlError, CurlWsError } from './core/errors';
export { curlCodeName } from './core/curl-codes';
export * from './core/curl-symbols';

/** `curl_version()`: e.g. `'libcurl/8.21.0 OpenSSL/3.0.15 zlib/1.3.1'`. */
export function version(): string {
  return binding.curlVersion();
}

/**
 * `curl_version_info(CURLVERSION_NOW)`: every field the linked libcurl's `age` provides, under
 * its C name (`version`, `version_num`, `features`, `ssl_version`, `protocols`,
 * `feature_names`, …); string fields libcurl leaves NULL are `null`.
 */
export interface CurlVersionInfo {
  age: number;
  version: string;
  version_num: number;
  host: string;
  features: number;
  ssl_version: string | null;
  ssl_version_num: number;
  libz_version: string | null;
  protocols: string[];
  feature_names?: string[];
  [field: string]: unknown;
}

/** `curl_version_info(CURLVERSION_NOW)` as a plain object. */
export function versionInfo(): CurlVersionInfo {
  return binding.curlVersionInfo() as CurlVersionInfo;
}

/**
 * `curl_easy_strerror(code)`.
 * @param code - a `CURLcode` (e.g. `CURLE_AGAIN`, or `err.curlCode` of a `CurlError`)
 */
export function strerror(code: number): string {
  if (typeof code !== 'number' || !Number.isInteger(code)) return binding.curlStrerror(-1);
  return binding.curlStrerror(code);
}
