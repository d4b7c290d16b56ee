# curlws native addon for node-gyp. This file MIRRORS CMakeLists.txt, which is the canonical
# build (cmake-js); it exists for users' builds from source (`npx curlws-build` runs npm's own
# node-gyp: users have no cmake-js). Keep the two in step: sources, flags, defines, link flags
# and both libcurl modes.
#
#   node-gyp rebuild                           # bundled static libcurl (npm run build:curl first)
#   CURLWS_LIBCURL=system node-gyp rebuild     # the system libcurl, found with pkg-config
#   CURLWS_CACHE_DIR=/elsewhere node-gyp rebuild   # bundled libcurl from another cache dir
#
# `npx curlws-build` (bin/curlws-build.js) builds with it; `npm run test:install -- --from-source`
# (in CI) runs that in a fresh project and checks the result.
{
  'variables': {
    'variables': {
      # "system" selects the system libcurl; anything else (or unset) the bundled one, as in CMake.
      'curlws_libcurl%': '<!(node -p "process.env.CURLWS_LIBCURL || \'bundled\'")',
      # Node-API version: one place, package.json "binary.napi_versions".
      'curlws_napi_version%': '<!(node -p "require(\'./package.json\').binary.napi_versions[0]")',
      # The pinned libcurl version (scripts/libcurl.pin, CURL_VERSION=...).
      'curlws_curl_version%': '<!(node -p "/^CURL_VERSION=(.*)$/m.exec(require(\'fs\').readFileSync(\'scripts/libcurl.pin\', \'utf8\'))[1].trim()")',
    },
    'curlws_libcurl%': '<(curlws_libcurl)',
    'curlws_napi_version%': '<(curlws_napi_version)',
    'curlws_curl_version%': '<(curlws_curl_version)',
    # Bundled libcurl install prefix: $CURLWS_CACHE_DIR/<version>, default .cache/libcurl/<version>.
    'curlws_curl_prefix%': '<!(node -p "require(\'path\').resolve(\'<(module_root_dir)\', process.env.CURLWS_CACHE_DIR || \'.cache/libcurl\', \'<(curlws_curl_version)\')")',
    # CMake's CURLWS_STATIC_RUNTIME (Linux: libstdc++ and libgcc linked in); 0 turns it off.
    'curlws_static_runtime%': 1,
  },
  'targets': [
    {
      'target_name': 'curlws',
      'sources': [
        'native/addon.cc',
        'native/easy/easy.cc',
        'native/easy/easy_callbacks.cc',
        'native/easy/easy_info.cc',
        'native/easy/easy_io.cc',
        'native/easy/easy_ws.cc',
        'native/engine/ca_file.cc',
        'native/engine/curl_api.cc',
        'native/engine/curl_options.cc',
        'native/engine/diagnostics.cc',
        'native/engine/engine.cc',
        'native/engine/environment.cc',
        'native/engine/multi.cc',
        'native/engine/tls_context.cc',
        'native/memory/curl_memory.cc',
        'native/memory/message_block.cc',
        'native/protocol/deflate_negotiation.cc',
        'native/protocol/deflater.cc',
        'native/protocol/frame_assembler.cc',
        'native/protocol/frame_parser.cc',
        'native/protocol/frame_writer.cc',
        'native/protocol/handshake.cc',
        'native/protocol/inflater.cc',
        'native/protocol/random_pool.cc',
        'native/protocol/raw_receiver.cc',
        'native/protocol/send_queue.cc',
        'native/protocol/utf8_validator.cc',
        'native/protocol/zlib_heap.cc',
        'native/session/event_batch.cc',
        'native/session/handshake_info.cc',
        'native/session/session.cc',
        'native/session/session_deflate.cc',
        'native/session/session_init.cc',
        'native/session/session_receive.cc',
        'native/session/session_send.cc',
        'native/session/tracer.cc',
      ],
      # uv.h comes with Node's headers, which node-gyp puts on the include path itself.
      # native/ itself: the files in its subfolders include each other as "protocol/x.h".
      'include_dirs': [
        'native',
        '<!(node -p "require(\'node-addon-api\').include_dir")',
      ],
      'defines': [
        'NAPI_VERSION=<(curlws_napi_version)',
        'NAPI_CPP_EXCEPTIONS',
        'NODE_ADDON_API_CPP_EXCEPTIONS_ALL',
        'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
      ],
      'cflags': ['-fvisibility=hidden', '-Wall', '-Wextra', '-Wno-unused-parameter'],
      # CMake: CXX_STANDARD 17 (required, extensions on = gnu++17), visibility-inlines-hidden,
      # C++ exceptions on (NAPI_CPP_EXCEPTIONS), RTTI left on.
      'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++20', '-std=c++20'],
      'cflags_cc': ['-fexceptions', '-std=gnu++17', '-fvisibility-inlines-hidden'],
      'configurations': {
        # CMake's Release build type defines NDEBUG.
        'Release': {'defines': ['NDEBUG']},
      },
      'conditions': [
        # CMake: what static archives bring stays private; the C++ runtime is linked in.
        ['OS=="linux"', {
          'ldflags': ['-Wl,--exclude-libs,ALL'],
          'conditions': [
            ['curlws_static_runtime==1', {'ldflags': ['-static-libstdc++', '-static-libgcc']}],
          ],
        }],
        # Not built or run on macOS or Windows yet (docs/install.md, "Other platforms"): the
        # settings CMakeLists.txt would give there.
        ['OS=="mac"', {
          'xcode_settings': {
            'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
            'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
            'GCC_SYMBOLS_PRIVATE_EXTERN': 'YES',
          },
        }],
        ['OS=="win"', {
          'defines': ['NOMINMAX', 'WIN32_LEAN_AND_MEAN'],
          'msvs_settings': {
            'VCCLCompilerTool': {'ExceptionHandling': 1, 'AdditionalOptions': ['/std:c++17']},
          },
        }],
        ['curlws_libcurl=="system"', {
          # The same checks and messages as CMake's system branch (version >= 8.14.1, ws support).
          'cflags': [
            '<!@(node scripts/check-system-curl.mjs && pkg-config --cflags-only-I libcurl)',
          ],
          'libraries': [
            '<!@(node scripts/check-system-curl.mjs --quiet && pkg-config --libs libcurl)',
            '-lcrypto',
          ],
        }, {
          'include_dirs': ['<(curlws_curl_prefix)/include'],
          'defines': ['CURL_STATICLIB'],
          # OpenSSL and zlib are deliberately NOT linked: their symbols bind at load time to the
          # copies the Node process already carries (Node exports its OpenSSL 3 and zlib; a Node
          # built against a shared system OpenSSL or zlib has those libraries loaded). libcurl's
          # content decoding and permessage-deflate (native/protocol/) both use that zlib. So wss
          # runs on Node's own OpenSSL, there is one OpenSSL per process, and the addon depends on
          # nothing beyond glibc. libcurl's own symbols stay private (--exclude-libs) so another
          # addon's libcurl cannot clash.
          'libraries': [
            # Prints the archive's path, or fails the configure step if it has not been built.
            '<!(node -e "const f = \'<(curlws_curl_prefix)/lib/libcurl.a\'; if (!require(\'fs\').existsSync(f)) { console.error(\'curlws: bundled libcurl <(curlws_curl_version) not built yet (no \' + f + \'); run npm run build:curl (scripts/build-curl.sh) first\'); process.exit(1); } console.log(f)")',
          ],
          'conditions': [
            ['OS!="win"', {'libraries': ['-lpthread']}],
            ['OS=="mac"', {
              'libraries': [
                '-framework CoreFoundation',
                '-framework CoreServices',
                '-framework SystemConfiguration',
              ],
            }],
          ],
        }],
      ],
    },
  ],
}
