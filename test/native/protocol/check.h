// A minimal test harness for the native/protocol unit tests (built and run by
// test/native/protocol.test.ts): suites register themselves, CHECK records the first failure of
// a suite with its file and line, main() runs the suite named on the command line.
#ifndef CURLWS_TEST_NATIVE_PROTOCOL_CHECK_H_
#define CURLWS_TEST_NATIVE_PROTOCOL_CHECK_H_

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace check {

struct Context {
  uint64_t seed = 1;
  int iterations = 100;
  long checks = 0;
  bool failed = false;
  std::string first_failure;
  std::mt19937_64 rng;
};
Context& ctx();

using SuiteFn = void (*)();
struct Registrar {
  Registrar(const char* name, SuiteFn fn);
};

inline void Fail(const char* file, int line, const std::string& what) {
  if (!ctx().failed) {
    ctx().failed = true;
    ctx().first_failure = std::string(file) + ":" + std::to_string(line) + ": " + what;
  }
}

// Uniform in [0, n).
inline uint64_t Rand(uint64_t n) {
  return n ? ctx().rng() % n : 0;
}

}  // namespace check

#define SUITE(name)                                               \
  static void Suite_##name();                                     \
  static check::Registrar registrar_##name(#name, &Suite_##name); \
  static void Suite_##name()

// CHECK(cond) or CHECK(cond, "context" + more): returns from the enclosing void function.
#define CHECK(cond, ...)                                                                    \
  do {                                                                                      \
    check::ctx().checks++;                                                                  \
    if (!(cond)) {                                                                          \
      check::Fail(__FILE__, __LINE__, std::string(#cond) + " " + std::string(__VA_ARGS__)); \
      return;                                                                               \
    }                                                                                       \
  } while (0)

// Same, for use inside functions that return bool (helpers): returns false.
#define CHECK_B(cond, ...)                                                                  \
  do {                                                                                      \
    check::ctx().checks++;                                                                  \
    if (!(cond)) {                                                                          \
      check::Fail(__FILE__, __LINE__, std::string(#cond) + " " + std::string(__VA_ARGS__)); \
      return false;                                                                         \
    }                                                                                       \
  } while (0)

#endif  // CURLWS_TEST_NATIVE_PROTOCOL_CHECK_H_
